import { Link, useRouteError } from "react-router";

/** A page that failed to render says so (never a blank page). */
export function RouteError({ standalone = false }: { standalone?: boolean }) {
  const error = useRouteError();
  const message = error instanceof Error ? error.message : "Something went wrong while showing this page.";
  const content = (
    <>
      <h1 className="page-title">This page could not be shown</h1>
      <div className="alert alert-error" role="alert">
        {message}
      </div>
      <p>
        <Link to="/" reloadDocument>
          Back to the overview
        </Link>
      </p>
    </>
  );
  return standalone ? (
    <main className="standalone" id="main">
      {content}
    </main>
  ) : (
    content
  );
}
