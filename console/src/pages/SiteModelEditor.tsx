/** The site's electrical model as editable JSON (the PUT body, one node or EVSE per line). A
 * save names the revision it was read at, so a save over someone else's change is a 409 that
 * says so; every problem of a refused model is listed. */

import { useState } from "react";
import { api, call } from "../api/client";
import { ErrorAlert, Notice } from "../components/Alert";
import { modelText, parseModel, starterModel, type ElectricalModel, type LocationAnswer } from "./siteModel";

export function SiteModelEditor({
  locationId,
  model,
  location,
  onSaved,
}: {
  locationId: string;
  model: ElectricalModel | null;
  location: LocationAnswer | undefined;
  onSaved: () => void;
}) {
  const initial = model ? modelText(model) : modelText(starterModel(location));
  const [text, setText] = useState(initial);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async () => {
    const parsed = parseModel(text);
    if ("error" in parsed) {
      setError(parsed.error);
      return;
    }
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const stored = await call(
        api().PUT("/api/locations/{locationId}/electrical", { params: { path: { locationId } }, body: parsed.body }),
      );
      setText(modelText(stored));
      setSaved(stored.revision);
      onSaved();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="site-model-editor">
      <h2 id="site-model-editor">{model ? `Electrical model (revision ${model.revision})` : "Write the electrical model"}</h2>
      <p className="muted">
        The grid connection and circuits (<code>nodes</code>, each with <code>maxCurrent</code> per phase in A) and the
        EVSEs that hang from them, as in docs/smart-charging.md “Sites and circuits”.{" "}
        {model
          ? "Saving replaces the model; it carries the revision it was read at, so a change someone else saved meanwhile is refused."
          : "A starting point is filled in: every EVSE of the site on a 63 A grid connection. Change it to match the installation, then save."}
      </p>
      <ErrorAlert error={error} title={typeof error === "string" ? "Not saved" : undefined} />
      {saved !== null ? <Notice>Saved: the model is now at revision {saved}.</Notice> : null}
      <label className="field">
        Model (JSON)
        <textarea
          className="model-json"
          value={text}
          spellCheck={false}
          wrap="off"
          rows={Math.min(24, Math.max(8, text.split("\n").length + 1))}
          onChange={(event) => setText(event.target.value)}
        />
      </label>
      <div className="actions">
        <button type="button" className="button button-primary" disabled={busy} onClick={() => void save()}>
          {busy ? "Saving…" : "Save model"}
        </button>
        <button type="button" className="button" disabled={busy || text === initial} onClick={() => setText(initial)}>
          Undo changes
        </button>
      </div>
    </section>
  );
}
