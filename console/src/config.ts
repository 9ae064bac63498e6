/** The runtime configuration, read once at start from /console/config.json (written by the
 * local gateway or by the stack at deploy time: the same build runs everywhere). */

export interface AuthConfig {
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  scope: string;
  logoutUrl: string | null;
}

export interface RuntimeConfig {
  apiBaseUrl: string;
  auth: AuthConfig;
  environment: "local" | "aws";
}

export const BASE_PATH = import.meta.env.BASE_URL.replace(/\/$/, ""); // "/console"

function text(value: unknown, name: string): string {
  if (typeof value !== "string") throw new Error(`config.json: ${name} must be a string`);
  return value;
}

export function parseConfig(raw: unknown): RuntimeConfig {
  if (typeof raw !== "object" || raw === null) throw new Error("config.json is not an object");
  const doc = raw as Record<string, unknown>;
  const auth = (doc.auth ?? {}) as Record<string, unknown>;
  const environment = doc.environment === "aws" ? "aws" : "local";
  return {
    apiBaseUrl: text(doc.apiBaseUrl ?? "", "apiBaseUrl").replace(/\/$/, ""),
    auth: {
      authorizeUrl: text(auth.authorizeUrl, "auth.authorizeUrl"),
      tokenUrl: text(auth.tokenUrl, "auth.tokenUrl"),
      clientId: text(auth.clientId, "auth.clientId"),
      scope: text(auth.scope ?? "openid", "auth.scope"),
      logoutUrl: auth.logoutUrl == null ? null : text(auth.logoutUrl, "auth.logoutUrl"),
    },
    environment,
  };
}

export async function loadConfig(): Promise<RuntimeConfig> {
  const response = await fetch(`${BASE_PATH}/config.json`, { cache: "no-store" });
  if (!response.ok) {
    throw new Error(`${BASE_PATH}/config.json answered ${response.status} ${response.statusText}`);
  }
  return parseConfig(await response.json());
}
