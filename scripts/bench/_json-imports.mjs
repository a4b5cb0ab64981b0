// Preloaded into the benchmarked server (node --import): the Remix build imports
// @shopify/polaris/locales/en.json without `with { type: "json" }`, which Node 22+ refuses.
// This hook adds the attribute so that the production build can start unchanged.
import { registerHooks } from "node:module";

registerHooks({
  load(url, context, nextLoad) {
    if (url.endsWith(".json") && context.importAttributes?.type !== "json") {
      return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: "json" } });
    }
    return nextLoad(url, context);
  },
});
