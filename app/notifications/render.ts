import { z } from "zod";

import type { RiskFeatureName, RiskLevel } from "../churn/risk/model";
import type { SupportedLocale } from "../lib/i18n/locale";
import { type NotificationMessages, notificationMessages } from "./catalogue";

// The e-mails and inbox entries that tell a merchant about alerts, in the shop's language:
// pure functions from facts to subject, plain text and HTML. Every value that comes from data
// (names, rule names, reasons) is escaped in the HTML.

/** What a message says about one alerted customer. */
export interface AlertFacts {
  shop: string;
  customerShopifyId: string;
  firstName: string | null;
  lastName: string | null;
  level: string;
  /** The customer's current risk score, when scored. */
  score: number | null;
  /** The alert's `reasons` JSON as stored. */
  reasons: string;
  /** The merchant's rule that raised the alert, if a rule did. */
  ruleName: string | null;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

/** Customers listed by name in a digest or report; the rest are counted. */
export const MAX_LISTED_CUSTOMERS = 25;
const MAX_REASONS = 3;

export function renderAlertMessage(alert: AlertFacts, locale: SupportedLocale): RenderedMessage {
  const messages = notificationMessages(locale);
  const name = customerDisplayName(alert, messages);
  const intro = messages.alertIntro(name, messages.level[riskLevel(alert.level)], scoreText(alert, messages));
  const reasons = reasonLabels(alert.reasons, messages);
  const rule = alert.ruleName ? messages.matchedRule(alert.ruleName) : null;
  const url = customerAdminUrl(alert.shop, alert.customerShopifyId);
  const subject = messages.subjectPrefix + messages.alertSubject(name);
  const text = [
    intro,
    ...(rule ? [rule] : []),
    ...(reasons.length > 0 ? ["", `${messages.reasonsHeading}:`, ...reasons.map((reason) => `- ${reason}`)] : []),
    "",
    `${messages.viewCustomer}: ${url}`,
    "",
    "--",
    messages.footer,
  ].join("\n");
  const html = htmlDocument(locale, subject, [
    paragraph(escapeHtml(intro)),
    ...(rule ? [paragraph(escapeHtml(rule))] : []),
    ...(reasons.length > 0
      ? [paragraph(`<strong>${escapeHtml(messages.reasonsHeading)}</strong>`), bulletList(reasons.map(escapeHtml))]
      : []),
    paragraph(link(url, messages.viewCustomer)),
    footer(messages),
  ]);
  return { subject, text, html };
}

export interface GroupPeriod {
  /** burst: many high alerts at once (a shop's first scoring run), sent as one e-mail. */
  kind: "digest" | "report" | "burst";
  /** YYYY-MM-DD for a digest, YYYY-Www for a report, the first alert's id for a burst. */
  label: string;
}

/**
 * A daily digest (medium alerts) or weekly report (low alerts): one line per customer, riskiest
 * first. `customerCount` is how many customers the message is about, when `alerts` holds only the
 * riskiest of them (a big digest is read page by page and keeps only those it names).
 */
export function renderGroupMessage(
  period: GroupPeriod,
  alerts: readonly AlertFacts[],
  locale: SupportedLocale,
  customerCount: number = alerts.length,
): RenderedMessage {
  const messages = notificationMessages(locale);
  const count = Math.max(customerCount, alerts.length);
  const subject =
    messages.subjectPrefix +
    (period.kind === "digest"
      ? messages.digestSubject(count, period.label)
      : period.kind === "report"
        ? messages.reportSubject(count, period.label)
        : messages.burstSubject(count));
  const intro =
    period.kind === "digest"
      ? messages.digestIntro(count)
      : period.kind === "report"
        ? messages.reportIntro(count)
        : messages.burstIntro(count);
  const listed = alerts.slice(0, MAX_LISTED_CUSTOMERS).map((alert) => groupEntry(alert, messages));
  const more = count > listed.length ? messages.more(count - listed.length) : null;
  const text = [
    intro,
    "",
    ...listed.flatMap((entry) => [
      `- ${entry.line}`,
      ...(entry.reasons ? [`  ${entry.reasons}`] : []),
      `  ${entry.url}`,
    ]),
    ...(more ? ["", more] : []),
    "",
    "--",
    messages.footer,
  ].join("\n");
  const items = listed.map(
    (entry) =>
      link(entry.url, entry.line) +
      (entry.reasons ? `<br><span style="color:#6d7175">${escapeHtml(entry.reasons)}</span>` : ""),
  );
  const html = htmlDocument(locale, subject, [
    paragraph(escapeHtml(intro)),
    bulletList(items),
    ...(more ? [paragraph(escapeHtml(more))] : []),
    footer(messages),
  ]);
  return { subject, text, html };
}

function groupEntry(alert: AlertFacts, messages: NotificationMessages) {
  const name = customerDisplayName(alert, messages);
  return {
    line: messages.customerLine(name, scoreText(alert, messages)),
    reasons: reasonLabels(alert.reasons, messages).join(messages.reasonSeparator),
    url: customerAdminUrl(alert.shop, alert.customerShopifyId),
  };
}

/** The customer's page in Shopify admin ("acme.myshopify.com" is the store handle "acme"). */
export function customerAdminUrl(shop: string, customerShopifyId: string): string {
  const handle = shop.replace(/\.myshopify\.com$/i, "");
  return `https://admin.shopify.com/store/${encodeURIComponent(handle)}/customers/${encodeURIComponent(customerShopifyId)}`;
}

const CJK = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+$/u;

/** "Jane Doe"; a Chinese name is family name first ("王小明"); no name gives "Customer #<id>". */
export function customerDisplayName(
  customer: Pick<AlertFacts, "firstName" | "lastName" | "customerShopifyId">,
  messages: NotificationMessages,
): string {
  const first = singleLine(customer.firstName);
  const last = singleLine(customer.lastName);
  if (first && last && CJK.test(first) && CJK.test(last)) return last + first;
  const name = [first, last].filter(Boolean).join(" ");
  return name || messages.customerFallback(customer.customerShopifyId);
}

function singleLine(value: string | null): string {
  return (value ?? "").replace(/[\p{Cc}\s]+/gu, " ").trim();
}

function scoreText(alert: AlertFacts, messages: NotificationMessages): string | null {
  return alert.score === null ? null : messages.score(alert.score);
}

const RISK_LEVELS: readonly string[] = ["low", "medium", "high"] satisfies RiskLevel[];

function riskLevel(level: string): RiskLevel {
  return RISK_LEVELS.includes(level) ? (level as RiskLevel) : "high";
}

// A reason as the scoring job stores it: the risk model's {feature, text, contribution}, or an
// entry with its own label (e.g. from a rule). Unknown fields are ignored, bad entries skipped.
const StoredReason = z.object({
  feature: z.string(),
  label: z.string().optional(),
  text: z.string().optional(),
  contribution: z.number().optional(),
});
type StoredReason = z.infer<typeof StoredReason>;

/**
 * Wording of the reasons that raised the risk, strongest first, in the message's language. A model
 * feature is worded from the catalogue; anything else by its own label, else left out.
 */
export function reasonLabels(reasonsJson: string, messages: NotificationMessages, count = MAX_REASONS): string[] {
  const raising = parseReasons(reasonsJson)
    .filter((reason) => (reason.contribution ?? 1) > 0)
    .sort((a, b) => (b.contribution ?? 0) - (a.contribution ?? 0));
  const labels = raising.map((reason) => reasonLabel(reason, messages)).filter((label) => label !== null);
  return [...new Set(labels)].slice(0, count);
}

function reasonLabel(reason: StoredReason, messages: NotificationMessages): string | null {
  if (isRiskFeature(reason.feature)) return messages.reason[reason.feature][reasonVariant(reason.feature, reason)];
  const label = singleLine(reason.label ?? reason.text ?? null);
  return label || null;
}

function isRiskFeature(feature: string): feature is RiskFeatureName {
  return Object.hasOwn(ENGLISH.reason, feature);
}

const ENGLISH = notificationMessages("en");

/**
 * Which of the feature's two wordings applies: the one the model chose, recognised by its English
 * text (for a yes/no input the sign alone cannot tell), else by the sign of the contribution.
 */
function reasonVariant(feature: RiskFeatureName, reason: StoredReason): 0 | 1 {
  const [first, second] = ENGLISH.reason[feature];
  if (reason.text === first) return 0;
  if (reason.text === second) return 1;
  return (reason.contribution ?? 1) >= 0 ? 0 : 1;
}

function parseReasons(json: string): StoredReason[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const parsed = StoredReason.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

function paragraph(innerHtml: string): string {
  return `<p>${innerHtml}</p>`;
}

function link(url: string, text: string): string {
  return `<a href="${escapeHtml(url)}">${escapeHtml(text)}</a>`;
}

function bulletList(itemsHtml: readonly string[]): string {
  return `<ul>${itemsHtml.map((item) => `<li style="margin-bottom:8px">${item}</li>`).join("")}</ul>`;
}

function footer(messages: NotificationMessages): string {
  return `<hr style="border:none;border-top:1px solid #e1e3e5"><p style="color:#6d7175;font-size:12px">${escapeHtml(messages.footer)}</p>`;
}

function htmlDocument(locale: SupportedLocale, subject: string, bodyHtml: readonly string[]): string {
  return [
    "<!doctype html>",
    `<html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    "<body style=\"font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,'PingFang SC','Microsoft YaHei',sans-serif;color:#202223;line-height:1.5\">",
    ...bodyHtml,
    "</body></html>",
  ].join("\n");
}
