import { useEffect } from "react";
import { createBrowserRouter, Navigate, RouterProvider, useLocation, useNavigate } from "react-router";
import { isExpired, onSessionExpired, expireSession, storedToken } from "./auth";
import { Layout } from "./components/Layout";
import { RouteError } from "./components/RouteError";
import { BASE_PATH } from "./config";
import type { RuntimeConfig } from "./config";
import { ConfigContext } from "./context";
import { CallbackPage, SignInPage } from "./pages/SignIn";
import { OverviewPage } from "./pages/Overview";
import { ChargersPage } from "./pages/Chargers";
import { ChargerDetailPage } from "./pages/ChargerDetail";
import { SessionsPage } from "./pages/Sessions";
import { SessionDetailPage } from "./pages/SessionDetail";
import { EnergyPage } from "./pages/Energy";
import { IdTagsPage } from "./pages/IdTags";
import { CommandsPage } from "./pages/Commands";
import { SitePage } from "./pages/Site";
import { SitesPage } from "./pages/Sites";
import { TariffsPage } from "./pages/Tariffs";
import { PaymentsPage } from "./pages/Payments";
import { FirmwarePage } from "./pages/Firmware";
import { CampaignDetailPage } from "./pages/CampaignDetail";
import { NotFoundPage } from "./pages/NotFound";

function signInPath(next: string, expired: boolean): string {
  const params = new URLSearchParams({ next });
  if (expired) params.set("reason", "expired");
  return `/signin?${params.toString()}`;
}

/** The signed-in part: no token -> sign-in; an expired token or a 401 -> sign-in with a message. */
function RequireSession() {
  const location = useLocation();
  const navigate = useNavigate();
  const here = `${location.pathname}${location.search}`;
  const token = storedToken();

  useEffect(
    () =>
      onSessionExpired(() => {
        void navigate(signInPath(here, true), { replace: true });
      }),
    [navigate, here],
  );
  useEffect(() => {
    if (token === null) return;
    const timer = setTimeout(expireSession, Math.max(0, token.expiresAt - Date.now()) + 250);
    return () => clearTimeout(timer);
  }, [token]);

  if (token === null) return <Navigate to={signInPath(here, false)} replace />;
  if (isExpired(token)) return <Navigate to={signInPath(here, true)} replace />;
  return <Layout />;
}

const router = createBrowserRouter(
  [
    { path: "/signin", element: <SignInPage />, errorElement: <RouteError standalone /> },
    { path: "/callback", element: <CallbackPage />, errorElement: <RouteError standalone /> },
    {
      element: <RequireSession />,
      errorElement: <RouteError standalone />,
      children: [
        {
          // A page that throws keeps the navigation around its message.
          errorElement: <RouteError />,
          children: [
        { index: true, element: <OverviewPage /> },
        { path: "chargers", element: <ChargersPage /> },
        { path: "chargers/:chargePointId", element: <ChargerDetailPage /> },
        { path: "sessions", element: <SessionsPage /> },
        { path: "sessions/:chargePointId/:transactionId", element: <SessionDetailPage /> },
        { path: "energy", element: <EnergyPage /> },
        { path: "id-tags", element: <IdTagsPage /> },
        { path: "commands", element: <CommandsPage /> },
        { path: "sites", element: <SitesPage /> },
        { path: "sites/:locationId", element: <SitePage /> },
        { path: "tariffs", element: <TariffsPage /> },
        { path: "payments", element: <PaymentsPage /> },
        { path: "firmware", element: <FirmwarePage /> },
        { path: "firmware/:campaignId", element: <CampaignDetailPage /> },
        { path: "*", element: <NotFoundPage /> },
          ],
        },
      ],
    },
  ],
  // "/console/" (not "/console"): the overview's address keeps its slash, as the servers redirect.
  { basename: `${BASE_PATH}/` },
);

export function App({ config }: { config: RuntimeConfig }) {
  return (
    <ConfigContext.Provider value={config}>
      <RouterProvider router={router} />
    </ConfigContext.Provider>
  );
}
