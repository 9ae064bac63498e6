/** Firmware campaigns: the list, newest first, and a form that creates a draft (its targets are
 * previewed on the campaign's page before it starts). */

import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { api, call } from "../api/client";
import type { Schemas } from "../api/client";
import { ErrorAlert } from "../components/Alert";
import { PageHeader } from "../components/Layout";
import { LiveStatus } from "../components/LiveStatus";
import { StateBadge } from "../components/StateBadge";
import { formatDateTime } from "../format";
import { LIST_POLL, usePolling } from "../hooks/usePolling";
import { Pager, usePager } from "../paging";

type CampaignBody = Schemas["CampaignBody"];

/** "a, b ,c" -> ["a", "b", "c"]: the selector's lists are typed as comma-separated text. */
export function list(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

const IMAGES_POLL = { intervalMs: 30_000, maxIntervalMs: 300_000 };

/** The images campaigns can roll out (uploaded with `csms_cli firmware images upload`). */
function Images({ images }: { images: Schemas["FirmwareImageView"][] }) {
  return (
    <section className="card">
      <h2>Images</h2>
      <p className="muted">
        Upload an image with <code>csms_cli firmware images upload FILE --version V</code>: it is checked against its
        SHA-256 and becomes available to campaigns.
      </p>
      {images.length === 0 ? (
        <p>No image yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Image</th>
              <th scope="col">Version</th>
              <th scope="col">File</th>
              <th scope="col">Size</th>
              <th scope="col">Status</th>
              <th scope="col">Signed</th>
              <th scope="col">For</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {images.map((image) => (
              <tr key={image.imageId}>
                <td>
                  <code>{image.imageId}</code>
                </td>
                <td>{image.version}</td>
                <td>{image.fileName}</td>
                <td>{image.sizeBytes === null ? "—" : `${(image.sizeBytes / 1024).toFixed(0)} KiB`}</td>
                <td>
                  <StateBadge state={image.status === "available" ? "available" : "pending"} testId="image-status" />
                  {image.status === "available" ? "" : " awaiting upload"}
                </td>
                <td>{image.signed ? "yes" : "no"}</td>
                <td>{[image.vendor, image.model].filter(Boolean).join(" ") || "any model"}</td>
                <td>{formatDateTime(image.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function NewCampaign({ images }: { images: Schemas["FirmwareImageView"][] }) {
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [form, setForm] = useState({
    name: "",
    imageId: "",
    vendors: "",
    models: "",
    firmwareVersions: "",
    sites: "",
    chargerIds: "",
    tags: "",
    waves: "1, 10, 100",
    failureThresholdPct: "20",
    sessionPolicy: "wait",
    concurrency: "10",
    siteConcurrency: "1",
    retries: "1",
    timeoutMin: "60",
  });
  const set = (name: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setForm({ ...form, [name]: e.target.value });

  async function create() {
    setError(null);
    setBusy(true);
    const body: CampaignBody = {
      name: form.name.trim(),
      imageId: form.imageId.trim(),
      selector: {
        vendors: list(form.vendors),
        models: list(form.models),
        firmwareVersions: list(form.firmwareVersions),
        sites: list(form.sites),
        chargerIds: list(form.chargerIds),
        tags: list(form.tags),
      },
      waves: list(form.waves).map(Number),
      failureThresholdPct: Number(form.failureThresholdPct),
      sessionPolicy: form.sessionPolicy as CampaignBody["sessionPolicy"],
      concurrency: Number(form.concurrency),
      siteConcurrency: form.siteConcurrency.trim() === "" ? null : Number(form.siteConcurrency),
      retries: Number(form.retries),
      chargerTimeoutS: Number(form.timeoutMin) * 60,
      pollS: 60,
    };
    try {
      const created = await call(api().POST("/api/firmware/campaigns", { body }));
      void navigate(`/firmware/${encodeURIComponent(created.campaignId)}`);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card">
      <h2>New campaign</h2>
      <p className="muted">
        A draft sends nothing: its page lists the chargers it would update, wave by wave, before you start it. Every
        filter given must hold; leave one empty to not filter on it. Lists are comma-separated.
      </p>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <label>
          Name
          <input value={form.name} required maxLength={100} onChange={set("name")} />
        </label>
        <label>
          Image
          <select value={form.imageId} required onChange={set("imageId")}>
            <option value="">choose an available image</option>
            {images
              .filter((image) => image.status === "available")
              .map((image) => (
                <option key={image.imageId} value={image.imageId}>
                  {image.version} ({image.fileName})
                </option>
              ))}
          </select>
        </label>
        <label>
          Vendors
          <input value={form.vendors} onChange={set("vendors")} />
        </label>
        <label>
          Models
          <input value={form.models} onChange={set("models")} />
        </label>
        <label>
          Current versions
          <input value={form.firmwareVersions} onChange={set("firmwareVersions")} />
        </label>
        <label>
          Sites (location ids)
          <input value={form.sites} onChange={set("sites")} />
        </label>
        <label>
          Charger ids
          <input value={form.chargerIds} onChange={set("chargerIds")} />
        </label>
        <label>
          Tags (any of)
          <input value={form.tags} onChange={set("tags")} />
        </label>
        <label>
          Waves (cumulative %)
          <input value={form.waves} required pattern="\s*\d+(\s*,\s*\d+)*\s*" onChange={set("waves")} />
        </label>
        <label>
          Halt above (% failed)
          <input type="number" min={0} max={100} value={form.failureThresholdPct} onChange={set("failureThresholdPct")} />
        </label>
        <label>
          Active session
          <select value={form.sessionPolicy} onChange={set("sessionPolicy")}>
            <option value="wait">wait for its end</option>
            <option value="skip">skip the charger</option>
          </select>
        </label>
        <label>
          Chargers at once
          <input type="number" min={1} max={1000} value={form.concurrency} onChange={set("concurrency")} />
        </label>
        <label>
          Per site at once (empty: any)
          <input type="number" min={1} max={1000} value={form.siteConcurrency} onChange={set("siteConcurrency")} />
        </label>
        <label>
          Retries per charger
          <input type="number" min={0} max={5} value={form.retries} onChange={set("retries")} />
        </label>
        <label>
          Per-charger timeout (min)
          <input type="number" min={1} max={10080} value={form.timeoutMin} onChange={set("timeoutMin")} />
        </label>
        <button type="submit" className="button button-primary" disabled={busy}>
          Create draft
        </button>
      </form>
      <ErrorAlert error={error} />
    </section>
  );
}

export function FirmwarePage() {
  const pager = usePager("campaigns");
  const cursor = pager.cursor;
  const poll = usePolling(
    (signal) => call(api().GET("/api/firmware/campaigns", { params: { query: { limit: 50, cursor } }, signal })),
    cursor ?? "",
    LIST_POLL,
  );
  const images = usePolling(
    (signal) => call(api().GET("/api/firmware/images", { params: { query: { limit: 100 } }, signal })),
    "images",
    IMAGES_POLL,
  );
  const imageList = images.data?.items ?? [];
  return (
    <>
      <PageHeader title="Firmware campaigns">
        <LiveStatus poll={poll} />
      </PageHeader>
      <ErrorAlert error={poll.error} />
      <table>
        <caption className="visually-hidden">Firmware campaigns</caption>
        <thead>
          <tr>
            <th scope="col">Campaign</th>
            <th scope="col">Status</th>
            <th scope="col">Version</th>
            <th scope="col">Chargers</th>
            <th scope="col">Waves</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {(poll.data?.items ?? []).map((campaign) => (
            <tr key={campaign.campaignId}>
              <td>
                <Link to={`/firmware/${encodeURIComponent(campaign.campaignId)}`}>{campaign.name}</Link>
              </td>
              <td>
                <StateBadge state={campaign.status} testId="campaign-status" />
              </td>
              <td>{campaign.imageVersion}</td>
              <td>{campaign.targetCount ?? "—"}</td>
              <td>{(campaign.waves ?? []).map((w) => `${w} %`).join(" → ")}</td>
              <td>{formatDateTime(campaign.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {poll.data && poll.data.items.length === 0 ? <p>No campaigns yet.</p> : null}
      <Pager pager={pager} nextCursor={poll.data?.nextCursor} />
      <NewCampaign images={imageList} />
      <ErrorAlert error={images.error} />
      <Images images={imageList} />
    </>
  );
}
