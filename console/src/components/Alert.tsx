import { ApiProblem } from "../api/client";

/** A readable message for a failure, in an alert region (never raw JSON). */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : typeof error === "string" ? error : "Something went wrong.";
  const details = error instanceof ApiProblem ? error.details : [];
  return (
    <div className="alert alert-error" role="alert">
      {title ? <strong>{title}: </strong> : null}
      {message}
      {details.length > 0 ? (
        <ul>
          {details.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Notice({ children }: { children: React.ReactNode }) {
  return (
    <div className="alert alert-info" role="status">
      {children}
    </div>
  );
}
