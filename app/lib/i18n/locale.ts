/** The languages Churn Radar speaks to merchants: English and Simplified Chinese. */
export const SUPPORTED_LOCALES = ["en", "zh-CN"] as const;
export type SupportedLocale = (typeof SUPPORTED_LOCALES)[number];

/**
 * The supported locale for a Shopify admin locale: every Chinese variant ("zh", "zh-CN",
 * "zh-TW", "zh_Hans") reads Simplified Chinese, everything else (or nothing) English.
 */
export function supportedLocale(locale: string | null | undefined): SupportedLocale {
  return locale && /^zh(?:$|[-_])/i.test(locale.trim()) ? "zh-CN" : "en";
}
