import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { configureApi } from "./api/client";
import { App } from "./App";
import { loadConfig } from "./config";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);

loadConfig()
  .then((config) => {
    configureApi(config.apiBaseUrl);
    root.render(
      <StrictMode>
        <App config={config} />
      </StrictMode>,
    );
  })
  .catch((error: unknown) => {
    root.render(
      <main className="standalone">
        <h1>The console cannot start</h1>
        <div className="alert alert-error" role="alert">
          {error instanceof Error ? error.message : String(error)}
        </div>
      </main>,
    );
  });
