import type { BehaviourStep } from "../models/alert.server";

// One short line per step of a customer's last behaviour before an alert: what they did, where.

function quoted(text: string): string {
  return `“${text}”`;
}

/** "Viewed product 123 (/products/mug)", "Searched “red mug”", "Ordered #1001 (25.00 GBP)". */
export function describeBehaviourStep(step: BehaviourStep): string {
  if (step.kind === "order") {
    const name = step.name ?? "an order";
    const total = step.total ? ` (${step.total})` : "";
    return step.type === "order_cancelled" ? `Order ${name} cancelled${total}` : `Ordered ${name}${total}`;
  }
  const where = step.path ? ` ${step.path}` : "";
  switch (step.type) {
    case "page_view":
      return `Visited${where || " the store"}`;
    case "product_view":
      return step.productId
        ? `Viewed product ${step.productId}${step.path ? ` (${step.path})` : ""}`
        : `Viewed a product${where}`;
    case "collection_view":
      return `Browsed collection${where}`;
    case "search":
      return step.searchQuery ? `Searched ${quoted(step.searchQuery)}` : "Searched the store";
    case "add_to_cart":
      return step.productId ? `Added product ${step.productId} to the cart` : "Added to the cart";
    case "cart_view":
      return "Viewed the cart";
    case "checkout_started":
      return "Started checkout";
    default:
      return `${step.type.replace(/_/g, " ")}${where}`;
  }
}
