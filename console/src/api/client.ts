/** The operator API client: generated types (schema.d.ts, from openapi.json) and openapi-fetch,
 * with the bearer token on every call and every failure turned into a readable ApiProblem. */

import createClient from "openapi-fetch";
import type { Middleware } from "openapi-fetch";
import { currentAccessToken, expireSession, EXPIRED_MESSAGE } from "../auth";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type ApiPaths = paths;
export type ApiClient = ReturnType<typeof createClient<ApiPaths>>;

type JsonContent<R> = R extends { content: { "application/json": infer T } } ? T : never;
/** The JSON body of a path's successful answer (200 or 201), e.g. Answer<"/api/overview">. */
export type Answer<P extends keyof ApiPaths, M extends "get" | "post" | "put" = "get"> =
  ApiPaths[P] extends { [K in M]: { responses: infer R } }
    ? R extends { 200: infer A }
      ? JsonContent<A>
      : R extends { 201: infer A }
        ? JsonContent<A>
        : never
    : never;

/** A failed API call, with what the error body said (`{"error": {code, message, details?}}`). */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = "ApiProblem";
  }
}

class SessionEnded extends Error {}

const auth: Middleware = {
  onRequest({ request }) {
    const token = currentAccessToken();
    if (token === null) throw new SessionEnded(EXPIRED_MESSAGE);
    request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) expireSession();
    return response;
  },
};

let client: ApiClient | null = null;

export function configureApi(baseUrl: string): ApiClient {
  client = createClient<ApiPaths>({ baseUrl });
  client.use(auth);
  return client;
}

export function api(): ApiClient {
  if (client === null) throw new Error("the API client is not configured");
  return client;
}

function sentence(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

function detailLines(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  return details.map((item: unknown) => {
    if (item && typeof item === "object") {
      const { field, message } = item as { field?: unknown; message?: unknown };
      if (typeof message === "string") {
        const name = typeof field === "string" ? field.replace(/^(body|query|path)\./, "") : "";
        return name ? `${name}: ${message}` : message;
      }
    }
    return String(item);
  });
}

/** The problem an error answer describes (any shape: JSON error body, text, nothing). */
export function problemOf(status: number, statusText: string, body: unknown): ApiProblem {
  if (status === 401) return new ApiProblem(401, "Unauthorized", EXPIRED_MESSAGE);
  if (body && typeof body === "object" && "error" in body) {
    const error = body.error;
    if (error && typeof error === "object") {
      const { code, message, details } = error as Record<string, unknown>;
      const text = sentence(typeof message === "string" ? message : `The API answered ${status}`);
      // A detail that only repeats the message adds nothing.
      const lines = detailLines(details).filter(
        (line) => !line.toLowerCase().endsWith(text.toLowerCase()),
      );
      return new ApiProblem(status, typeof code === "string" ? code : "Error", text, lines);
    }
  }
  const reason = statusText ? `${status} ${statusText}` : String(status);
  return new ApiProblem(status, "HttpError", `The API answered ${reason}; try again shortly.`);
}

type Outcome<T> = { data?: T; error?: unknown; response: Response };

/** The data of a successful call, or an ApiProblem. */
export async function call<T>(request: Promise<Outcome<T>>): Promise<T> {
  let answer: Outcome<T>;
  try {
    answer = await request;
  } catch (error) {
    if (error instanceof SessionEnded) throw new ApiProblem(401, "Unauthorized", EXPIRED_MESSAGE);
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiProblem(0, "NetworkError", "The API cannot be reached: check the connection.");
  }
  const { response } = answer;
  if (!response.ok) throw problemOf(response.status, response.statusText, answer.error);
  return answer.data as T;
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}
