import type { BadgeProps } from "@shopify/polaris";

// How risk levels, tiers and alert states read on the admin pages.

type Tone = BadgeProps["tone"];

const LEVELS: Record<string, { label: string; tone: Tone }> = {
  high: { label: "High risk", tone: "critical" },
  medium: { label: "Medium risk", tone: "warning" },
  low: { label: "Low risk", tone: "success" },
};

export function riskLevelLabel(level: string): { label: string; tone: Tone } {
  return LEVELS[level] ?? { label: level, tone: undefined };
}

const TIERS: Record<string, string> = {
  VIP: "VIP",
  active: "Active",
  regular: "Regular",
  prospect: "Prospect (no orders yet)",
};

export function tierLabel(tier: string): string {
  return TIERS[tier] ?? tier;
}

const STATES: Record<string, { label: string; tone: Tone }> = {
  open: { label: "Open", tone: "attention" },
  acknowledged: { label: "Acknowledged", tone: "info" },
  resolved: { label: "Resolved", tone: "success" },
  auto_resolved: { label: "Resolved: customer came back", tone: "success" },
};

export function alertStateLabel(state: string): { label: string; tone: Tone } {
  return STATES[state] ?? { label: state, tone: undefined };
}
