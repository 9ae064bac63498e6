import { ApiProblem } from "../api/client";

// What kind of failure an HTTP status is, said before the API's own message.
const KIND: Record<number, string> = {
  400: "Invalid request",
  403: "Not allowed",
  404: "Not found",
  405: "Not allowed",
  409: "Conflict",
  415: "Invalid request",
  500: "Server error",
  502: "Server error",
  503: "Unavailable",
  504: "No answer in time",
};

/** A readable message for a failure, in an alert region (never raw JSON). */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  title ??= error instanceof ApiProblem ? KIND[error.status] : undefined;
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
