import { createContext, useContext } from "react";
import type { RuntimeConfig } from "./config";

export const ConfigContext = createContext<RuntimeConfig | null>(null);

export function useConfig(): RuntimeConfig {
  const config = useContext(ConfigContext);
  if (config === null) throw new Error("no runtime configuration");
  return config;
}
