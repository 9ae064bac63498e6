/** Sign-in: OAuth 2.0 authorization code with PKCE (S256), the same code locally and on AWS.
 *
 * The access token and its expiry live in sessionStorage (gone with the tab). A 401 from the
 * API or a token past its `exp` clears it and announces an expired session; the app then
 * shows the sign-in page with a message. */

import type { AuthConfig } from "./config";
import { BASE_PATH } from "./config";

const TOKEN_KEY = "csms.console.token";
const PENDING_KEY = "csms.console.signin";

export interface StoredToken {
  accessToken: string;
  expiresAt: number; // epoch ms
}

interface PendingSignIn {
  state: string;
  verifier: string;
  returnTo: string;
}

export const EXPIRED_MESSAGE = "Your session has expired — sign in again";

function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(byteCount: number): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(byteCount)));
}

export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

export function redirectUri(): string {
  return `${window.location.origin}${BASE_PATH}/callback`;
}

/** The `exp` claim of a JWT in epoch ms, or null when the token is not a readable JWT. */
export function jwtExpiry(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp * 1000 : null;
  } catch {
    return null;
  }
}

export function storedToken(): StoredToken | null {
  const raw = sessionStorage.getItem(TOKEN_KEY);
  if (!raw) return null;
  try {
    const token = JSON.parse(raw) as StoredToken;
    return typeof token.accessToken === "string" && typeof token.expiresAt === "number"
      ? token
      : null;
  } catch {
    return null;
  }
}

export function isExpired(token: StoredToken, now = Date.now()): boolean {
  return token.expiresAt <= now;
}

export function saveToken(accessToken: string, expiresInS: number | undefined): StoredToken {
  const fromClaim = jwtExpiry(accessToken);
  const fromAnswer = expiresInS ? Date.now() + expiresInS * 1000 : null;
  const candidates = [fromClaim, fromAnswer].filter((v): v is number => v !== null);
  const token = {
    accessToken,
    expiresAt: candidates.length ? Math.min(...candidates) : Date.now() + 3600_000,
  };
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify(token));
  return token;
}

export function clearToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

type Listener = () => void;
const expiryListeners = new Set<Listener>();

/** Called by the app: what to do when the session ends on its own (401, expiry). */
export function onSessionExpired(listener: Listener): () => void {
  expiryListeners.add(listener);
  return () => expiryListeners.delete(listener);
}

export function expireSession(): void {
  clearToken();
  for (const listener of expiryListeners) listener();
}

/** The bearer token for an API call; an expired one ends the session. */
export function currentAccessToken(): string | null {
  const token = storedToken();
  if (token === null) return null;
  if (isExpired(token)) {
    expireSession();
    return null;
  }
  return token.accessToken;
}

/** Step 1: to the authorize endpoint with a fresh state and code challenge. */
export async function beginSignIn(auth: AuthConfig, returnTo: string): Promise<void> {
  const pending: PendingSignIn = { state: randomString(16), verifier: randomString(48), returnTo };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(auth.authorizeUrl, window.location.origin);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", auth.clientId);
  url.searchParams.set("redirect_uri", redirectUri());
  url.searchParams.set("scope", auth.scope);
  url.searchParams.set("state", pending.state);
  url.searchParams.set("code_challenge", await codeChallenge(pending.verifier));
  url.searchParams.set("code_challenge_method", "S256");
  window.location.assign(url.toString());
}

export class SignInError extends Error {}

// One exchange per code even when the callback renders twice (a code is single-use).
const exchanges = new Map<string, Promise<string>>();

/** Step 2, on /callback: check the state, trade the code for tokens; returns where to go. */
export function completeSignIn(auth: AuthConfig, params: URLSearchParams): Promise<string> {
  const code = params.get("code") ?? "";
  let exchange = exchanges.get(code);
  if (!exchange) {
    exchange = exchangeCode(auth, params);
    exchanges.set(code, exchange);
  }
  return exchange;
}

async function exchangeCode(auth: AuthConfig, params: URLSearchParams): Promise<string> {
  const error = params.get("error");
  if (error) {
    throw new SignInError(`Sign-in failed: ${params.get("error_description") ?? error}`);
  }
  const raw = sessionStorage.getItem(PENDING_KEY);
  const pending = raw ? (JSON.parse(raw) as PendingSignIn) : null;
  const code = params.get("code");
  if (!pending || !code || params.get("state") !== pending.state) {
    throw new SignInError("Sign-in could not be completed (the answer does not match this tab's request): sign in again.");
  }
  sessionStorage.removeItem(PENDING_KEY);
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: redirectUri(),
    client_id: auth.clientId,
    code_verifier: pending.verifier,
  });
  let response: Response;
  try {
    response = await fetch(auth.tokenUrl, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body,
    });
  } catch {
    throw new SignInError("The sign-in service cannot be reached: try again.");
  }
  const answer = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    expires_in?: number;
    error?: string;
    error_description?: string;
  };
  if (!response.ok || !answer.access_token) {
    const reason = answer.error_description ?? answer.error ?? `HTTP ${response.status}`;
    throw new SignInError(`Sign-in failed: ${reason}`);
  }
  saveToken(answer.access_token, answer.expires_in);
  return pending.returnTo || "/";
}

export function signOut(auth: AuthConfig): void {
  clearToken();
  if (auth.logoutUrl) window.location.assign(auth.logoutUrl);
  else window.location.assign(`${BASE_PATH}/signin`);
}
