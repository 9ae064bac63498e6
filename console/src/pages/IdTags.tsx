import { useState } from "react";
import { api, call } from "../api/client";
import type { Schemas } from "../api/client";
import { ErrorAlert, Notice } from "../components/Alert";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { PageHeader } from "../components/Layout";
import { LiveStatus } from "../components/LiveStatus";
import { StateBadge } from "../components/StateBadge";
import { formatDateTime } from "../format";
import { usePolling } from "../hooks/usePolling";

type IdTag = Schemas["IdTagView"];
type Status = Schemas["IdTagFields"]["status"];
const STATUSES: Status[] = ["Accepted", "Blocked", "Expired", "Invalid"];
const POLL = { intervalMs: 30_000, maxIntervalMs: 300_000 };

function fields(tag: IdTag, status: Status): Schemas["IdTagFields"] {
  return {
    status,
    expiryDate: tag.expiryDate,
    parentIdTag: tag.parentIdTag,
    ownerId: tag.ownerId,
    tokenType: tag.tokenType as Schemas["IdTagFields"]["tokenType"],
  };
}

export function IdTagsPage() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const poll = usePolling(
    (signal) => call(api().GET("/api/id-tags", { params: { query: { limit: 50, cursor } }, signal })),
    cursor ?? "",
    POLL,
  );
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const [deleting, setDeleting] = useState<string | null>(null);
  const [idTag, setIdTag] = useState("");
  const [status, setStatus] = useState<Status>("Accepted");
  const [expiry, setExpiry] = useState("");

  async function act(work: () => Promise<unknown>, done: string) {
    setError(null);
    setNotice("");
    try {
      await work();
      setNotice(done);
      poll.refresh();
    } catch (failure) {
      setError(failure);
    }
  }

  const create = () =>
    act(
      () =>
        call(
          api().POST("/api/id-tags", {
            body: { idTag: idTag.trim(), status, ...(expiry ? { expiryDate: new Date(expiry).toISOString() } : {}) },
          }),
        ).then(() => {
          setIdTag("");
          setExpiry("");
        }),
      `Id tag ${idTag.trim()} created.`,
    );
  const setTagStatus = (tag: IdTag, next: Status) =>
    act(
      () => call(api().PUT("/api/id-tags/{idTag}", { params: { path: { idTag: tag.idTag } }, body: fields(tag, next) })),
      `Id tag ${tag.idTag} is now ${next}.`,
    );
  const remove = (tag: string) =>
    act(() => call(api().DELETE("/api/id-tags/{idTag}", { params: { path: { idTag: tag } } })), `Id tag ${tag} deleted.`);

  return (
    <>
      <PageHeader title="Id tags">
        <LiveStatus poll={poll} />
      </PageHeader>
      <section className="card">
        <h2>New id tag</h2>
        <form
          className="filters"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <label>
            Id tag
            <input value={idTag} required maxLength={36} onChange={(e) => setIdTag(e.target.value)} />
          </label>
          <label>
            Status
            <select value={status} onChange={(e) => setStatus(e.target.value as Status)}>
              {STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label>
            Expires (optional)
            <input type="datetime-local" value={expiry} onChange={(e) => setExpiry(e.target.value)} />
          </label>
          <button type="submit" className="button button-primary">
            Create id tag
          </button>
        </form>
      </section>
      <ErrorAlert error={error ?? poll.error} />
      {notice ? <Notice>{notice}</Notice> : null}
      <table>
        <caption className="visually-hidden">Id tags</caption>
        <thead>
          <tr>
            <th scope="col">Id tag</th>
            <th scope="col">Status</th>
            <th scope="col">Expires</th>
            <th scope="col">Parent</th>
            <th scope="col">Owner</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(poll.data?.items ?? []).map((tag) => (
            <tr key={tag.idTag}>
              <td>{tag.idTag}</td>
              <td>
                <StateBadge state={tag.status} testId="id-tag-status" />
              </td>
              <td>{formatDateTime(tag.expiryDate)}</td>
              <td>{tag.parentIdTag ?? "—"}</td>
              <td>{tag.ownerId ?? "—"}</td>
              <td className="row-actions">
                {tag.status === "Blocked" ? (
                  <button type="button" className="button button-small" aria-label={`Unblock ${tag.idTag}`} onClick={() => void setTagStatus(tag, "Accepted")}>
                    Unblock
                  </button>
                ) : (
                  <button type="button" className="button button-small" aria-label={`Block ${tag.idTag}`} onClick={() => void setTagStatus(tag, "Blocked")}>
                    Block
                  </button>
                )}
                <button type="button" className="button button-small button-danger" aria-label={`Delete ${tag.idTag}`} onClick={() => setDeleting(tag.idTag)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="pager">
        <button type="button" className="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <button type="button" className="button" disabled={!poll.data?.nextCursor} onClick={() => setCursors([...cursors, poll.data?.nextCursor ?? null])}>
          Next page
        </button>
      </div>
      {deleting ? (
        <ConfirmDialog
          title={`Delete id tag ${deleting}?`}
          onCancel={() => setDeleting(null)}
          onConfirm={() => {
            const tag = deleting;
            setDeleting(null);
            void remove(tag);
          }}
        >
          <p>Chargers will no longer accept it once their local lists are updated.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
