import { Link } from "react-router";

export function NotFoundPage() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is no such page in the console. <Link to="/">Go to the overview</Link>.
      </p>
    </>
  );
}
