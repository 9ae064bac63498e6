import { NavLink, Outlet } from "react-router";
import { signOut } from "../auth";
import { useConfig } from "../context";

const PAGES: [string, string][] = [
  ["/", "Overview"],
  ["/chargers", "Chargers"],
  ["/sessions", "Sessions"],
  ["/energy", "Energy"],
  ["/commands", "Commands"],
  ["/id-tags", "Id tags"],
  ["/sites", "Sites"],
  ["/tariffs", "Tariffs"],
  ["/payments", "Payments"],
  ["/firmware", "Firmware"],
];

export function Layout() {
  const config = useConfig();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="shell">
        <aside className="sidebar">
          <p className="brand">CSMS console</p>
          <nav aria-label="Main">
            <ul>
              {PAGES.map(([to, label]) => (
                <li key={to}>
                  <NavLink to={to} end={to === "/"}>
                    {label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
        </aside>
        <div className="content">
          <header className="topbar">
            <span className="badge badge-neutral">{config.environment === "aws" ? "AWS" : "Local"}</span>
            <button type="button" className="button" onClick={() => signOut(config.auth)}>
              Sign out
            </button>
          </header>
          <main id="main" tabIndex={-1}>
            <Outlet />
          </main>
        </div>
      </div>
    </>
  );
}

export function PageHeader({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      <div className="page-header-aside">{children}</div>
    </div>
  );
}
