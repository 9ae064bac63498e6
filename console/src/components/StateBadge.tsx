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
  // sessions, id tags, command outcomes, EVSEs
  active: "active",
  completed: "ok",
  accepted: "ok",
  answered: "ok",
  blocked: "bad",
  expired: "warn",
  invalid: "bad",
  error: "bad",
  invalid_response: "bad",
  timeout: "warn",
  pending: "neutral",
  inoperative: "warn",
  outoforder: "bad",
  // firmware campaigns and their chargers
  draft: "neutral",
  running: "active",
  paused: "warn",
  halted: "bad",
  cancelled: "warn",
  failed: "bad",
  succeeded: "ok",
  skipped: "warn",
  installed: "ok",
  downloading: "active",
  downloaded: "active",
  installing: "active",
  uploading: "active",
  uploaded: "ok",
  uploadfailed: "bad",
  uploadfailure: "bad",
  downloadfailed: "bad",
  installationfailed: "bad",
  invalidsignature: "bad",
};

export function StateBadge({ state, testId = "charger-state" }: { state: string; testId?: string }) {
  const tone = TONE[state.toLowerCase()] ?? "neutral";
  return (
    <span className={`badge badge-${tone}`} data-testid={testId}>
      {state}
    </span>
  );
}
