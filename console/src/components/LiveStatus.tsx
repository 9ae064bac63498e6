import { clock } from "../format";
import type { Poll } from "../hooks/usePolling";

/** "Updated hh:mm:ss", or the stale badge when the last good refresh is too old. */
export function LiveStatus({ poll }: { poll: Poll<unknown> }) {
  if (poll.lastSuccess === null) {
    return <span className="live-status muted">{poll.loading ? "Loading…" : ""}</span>;
  }
  if (poll.stale) {
    return (
      <span className="badge badge-stale" data-testid="stale-badge" role="status">
        Stale — last updated {clock(poll.lastSuccess)}
      </span>
    );
  }
  return <span className="live-status muted">Updated {clock(poll.lastSuccess)}</span>;
}
