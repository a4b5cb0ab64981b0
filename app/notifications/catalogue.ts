import type { RiskFeatureName, RiskLevel } from "../churn/risk/model";
import type { SupportedLocale } from "../lib/i18n/locale";

/** Every sentence a notification can contain, in one language. Values are plain text (escaped later). */
export interface NotificationMessages {
  subjectPrefix: string;
  level: Record<RiskLevel, string>;
  /**
   * Wording of each risk-model input, in the order of the model's own reason texts: [when it
   * raises the risk, when it lowers it], or for a yes/no input [when yes, when no]. The English
   * pair is the model's text word for word (a test checks it), which is how a stored reason's
   * English `text` tells which of the two applies.
   */
  reason: Record<RiskFeatureName, readonly [string, string]>;
  reasonSeparator: string;
  customerFallback: (customerId: string) => string;
  score: (score: number) => string;
  alertSubject: (name: string) => string;
  /** `score` is already worded by `score()`, or null when the customer has no current score. */
  alertIntro: (name: string, level: string, score: string | null) => string;
  /** One customer in a digest or report. */
  customerLine: (name: string, score: string | null) => string;
  reasonsHeading: string;
  matchedRule: (ruleName: string) => string;
  viewCustomer: string;
  digestSubject: (count: number, day: string) => string;
  digestIntro: (count: number) => string;
  reportSubject: (count: number, week: string) => string;
  reportIntro: (count: number) => string;
  burstSubject: (count: number) => string;
  burstIntro: (count: number) => string;
  more: (count: number) => string;
  footer: string;
}

const customers = (count: number) => (count === 1 ? "1 customer" : `${count} customers`);

const en: NotificationMessages = {
  subjectPrefix: "[Churn Radar] ",
  level: { low: "low", medium: "medium", high: "high" },
  reason: {
    log_days_since_last_order: ["long time since the last order", "ordered recently"],
    log_days_since_first_order: ["first ordered long ago", "recently acquired"],
    log_purchase_days: ["few purchases so far", "buys often"],
    log_total_spent: ["low total spend", "high total spend"],
    log_average_order_value: ["small orders", "large orders"],
    log_purchase_days_90d: ["no purchases in the last 90 days", "several purchases in the last 90 days"],
    bgnbd_no_purchase_logit: ["overdue for the usual buying rhythm", "on track with the usual buying rhythm"],
    log_line_items_per_order: ["small baskets (few items per order)", "large baskets (many items per order)"],
    log_last_order_line_items: ["few items in the last order", "many items in the last order"],
    in_main_market: ["buys from the shop's main market", "buys from outside the shop's main market"],
  },
  reasonSeparator: "; ",
  customerFallback: (customerId) => `Customer #${customerId}`,
  score: (score) => `risk score ${score}/100`,
  alertSubject: (name) => `High churn risk: ${name}`,
  alertIntro: (name, level, score) => `${name} is at ${level} risk of churning${score ? ` (${score})` : ""}.`,
  customerLine: (name, score) => (score ? `${name} (${score})` : name),
  reasonsHeading: "Top reasons",
  matchedRule: (ruleName) => `Matched your rule "${ruleName}".`,
  viewCustomer: "View the customer in Shopify admin",
  digestSubject: (count, day) => `Daily digest ${day}: ${customers(count)} at medium churn risk`,
  digestIntro: (count) => `${customers(count)} reached medium churn risk:`,
  reportSubject: (count, week) => `Weekly report ${week}: ${customers(count)} at low churn risk`,
  reportIntro: (count) => `In the past week ${customers(count)} showed early signs of churning (low risk):`,
  burstSubject: (count) => `${customers(count)} reached high churn risk`,
  burstIntro: (count) => `${customers(count)} reached high churn risk at once; the riskiest first:`,
  more: (count) => `...and ${count} more in the Churn Radar inbox.`,
  footer: "You receive this e-mail because alert e-mails are switched on in Churn Radar's settings.",
};

const zhCN: NotificationMessages = {
  subjectPrefix: "[Churn Radar] ",
  level: { low: "低", medium: "中", high: "高" },
  reason: {
    log_days_since_last_order: ["距上次下单已很久", "最近刚下过单"],
    log_days_since_first_order: ["首次下单已是很久以前", "新近获得的客户"],
    log_purchase_days: ["至今购买次数少", "经常购买"],
    log_total_spent: ["累计消费低", "累计消费高"],
    log_average_order_value: ["客单价低", "客单价高"],
    log_purchase_days_90d: ["近 90 天没有购买", "近 90 天多次购买"],
    bgnbd_no_purchase_logit: ["已超出平常的购买周期", "符合平常的购买节奏"],
    log_line_items_per_order: ["购物篮小（每单商品少）", "购物篮大（每单商品多）"],
    log_last_order_line_items: ["上一单商品件数少", "上一单商品件数多"],
    in_main_market: ["在店铺主要市场购买", "在店铺主要市场以外购买"],
  },
  reasonSeparator: "；",
  customerFallback: (customerId) => `客户 #${customerId}`,
  score: (score) => `风险分 ${score}/100`,
  alertSubject: (name) => `高流失风险：${name}`,
  alertIntro: (name, level, score) => `${name} 的流失风险为${level}${score ? `（${score}）` : ""}。`,
  customerLine: (name, score) => (score ? `${name}（${score}）` : name),
  reasonsHeading: "主要原因",
  matchedRule: (ruleName) => `命中您的规则“${ruleName}”。`,
  viewCustomer: "在 Shopify 后台查看该客户",
  digestSubject: (count, day) => `每日摘要 ${day}：${count} 位客户流失风险为中`,
  digestIntro: (count) => `以下 ${count} 位客户的流失风险升至中等：`,
  reportSubject: (count, week) => `每周报告 ${week}：${count} 位客户有低流失风险`,
  reportIntro: (count) => `过去一周有 ${count} 位客户出现早期流失迹象（低风险）：`,
  burstSubject: (count) => `${count} 位客户流失风险升至高`,
  burstIntro: (count) => `${count} 位客户同时升至高流失风险，风险最高的在前：`,
  more: (count) => `……另有 ${count} 位客户，请在 Churn Radar 收件箱中查看。`,
  footer: "您收到此邮件，是因为在 Churn Radar 设置中开启了预警邮件。",
};

const catalogues: Record<SupportedLocale, NotificationMessages> = { en, "zh-CN": zhCN };

export function notificationMessages(locale: SupportedLocale): NotificationMessages {
  return catalogues[locale];
}
