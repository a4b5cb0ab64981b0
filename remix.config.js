/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
  appDirectory: "app",
  serverModuleFormat: "esm",
  serverPlatform: "node",
  // Bundle Polaris' JSON translations into the server build: left as an external import, Node 22+
  // refuses to load JSON without `with { type: "json" }` and the server would not start.
  serverDependenciesToBundle: [/^@shopify\/polaris\/locales\//],
  serverBuildPath: "build/server/index.js",
  assetsBuildDirectory: "public/build",
  publicPath: "/build/",
  dev: { port: Number(process.env.HMR_SERVER_PORT || 8002) },
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
  },
};
