import { useEffect, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { beginSignIn, completeSignIn, EXPIRED_MESSAGE, saveToken } from "../auth";

const DEV_OPERATOR_TOKEN = "dev-operator-token";
import { ErrorAlert } from "../components/Alert";
import { useConfig } from "../context";

function safeNext(next: string | null): string {
  // Only paths inside the console (never another origin).
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function SignInPage() {
  const config = useConfig();
  const [params] = useSearchParams();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const expired = params.get("reason") === "expired";
  return (
    <main className="standalone" id="main">
      <h1>Sign in</h1>
      <p>The operator console of the charging network. Sign in with your operator account.</p>
      {expired ? (
        <div className="alert alert-warn" role="alert">
          {EXPIRED_MESSAGE}
        </div>
      ) : null}
      <ErrorAlert error={error} />
      <button
        type="button"
        className="button button-primary"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          beginSignIn(config.auth, safeNext(params.get("next"))).catch((failure: unknown) => {
            setError(failure);
            setBusy(false);
          });
        }}
      >
        Sign in
      </button>
      {import.meta.env.DEV ? <DevTokenSignIn next={safeNext(params.get("next"))} /> : null}
    </main>
  );
}

/** `npm run dev` only (not in a build): the local identity provider sends codes back to the
 * gateway's own origin, not to the dev server's, so the dev server signs in with the local
 * platform's development operator token instead. */
function DevTokenSignIn({ next }: { next: string }) {
  const navigate = useNavigate();
  return (
    <p>
      <button
        type="button"
        className="button"
        onClick={() => {
          saveToken(DEV_OPERATOR_TOKEN, 12 * 3600);
          void navigate(next, { replace: true });
        }}
      >
        Use the development operator token
      </button>
    </p>
  );
}

export function CallbackPage() {
  const config = useConfig();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let active = true;
    completeSignIn(config.auth, params)
      .then((next) => {
        if (active) void navigate(safeNext(next), { replace: true });
      })
      .catch((failure: unknown) => {
        if (active) setError(failure);
      });
    return () => {
      active = false;
    };
  }, [config.auth, params, navigate]);
  return (
    <main className="standalone" id="main">
      <h1>Signing in…</h1>
      <ErrorAlert error={error} />
      {error ? <Link to="/signin">Sign in again</Link> : null}
    </main>
  );
}
