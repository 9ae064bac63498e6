/** Charger and connector states as text badges (the colour only repeats what the text says). */

const TONE: Record<string, string> = {
  available: "ok",
  charging: "active",
  occupied: "active",
  preparing: "active",
  finishing: "active",
  suspendedev: "active",
  suspendedevse: "active",
  reserved: "neutral",
  faulted: "bad",
  unavailable: "warn",
  offline: "bad",
  unknown: "neutral",
};

export function StateBadge({ state, testId = "charger-state" }: { state: string; testId?: string }) {
  const tone = TONE[state.toLowerCase()] ?? "neutral";
  return (
    <span className={`badge badge-${tone}`} data-testid={testId}>
      {state}
    </span>
  );
}
