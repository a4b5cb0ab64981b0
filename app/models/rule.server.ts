import prisma from "../db.server";

/** The shop's enabled rules as the merchant wrote them, oldest first. */
export async function enabledRules(shop: string): Promise<{ id: string; name: string; source: string }[]> {
  return prisma.rule.findMany({
    where: { shop, enabled: true },
    select: { id: true, name: true, source: true },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
}

/** Saves a rule; the caller has parsed and type-checked `source` (app/churn/rules). */
export async function createRule(shop: string, rule: { name: string; source: string; level: string }) {
  return prisma.rule.create({ data: { shop, ...rule } });
}

export async function setRuleEnabled(shop: string, id: string, enabled: boolean): Promise<boolean> {
  const { count } = await prisma.rule.updateMany({ where: { shop, id }, data: { enabled } });
  return count === 1;
}
