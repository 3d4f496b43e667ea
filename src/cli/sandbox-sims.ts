import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../paths.js';

/**
 * What the sandbox uses of the local simulators in test/sim. They are test fixtures and a demo backend,
 * not part of the product: the build (dist/) leaves test/ out, so they are imported by path at run time
 * and described here by the little the sandbox needs (test/cli/sandbox.test.ts checks that the real
 * modules fit these types).
 */

export interface SandboxSimCategory {
  id: string;
  parentId: string;
  name: string;
  certifications?: { id: string; name: string }[];
  sizeChartRequired?: boolean;
}

export interface SandboxTikTokSimOptions {
  shops: { id: string; cipher: string; name: string; region: string }[];
  categories: SandboxSimCategory[];
  reviewDelayMs: number;
  webhookUrl: string;
  webhookTypes: (5 | 37)[];
}

export interface SandboxTikTokSim {
  url: string;
  authUrl: string;
  appKey: string;
  appSecret: string;
  shopCipher: string;
  shopId: string;
  accessToken: string;
  refreshToken: string;
  close(): Promise<void>;
}

export interface SandboxImageHost {
  url: string;
  close(): Promise<void>;
}

export interface SimulatorModules {
  tiktok: { startTikTokShopSim(options: SandboxTikTokSimOptions): Promise<SandboxTikTokSim> };
  images: { startImageHost(): Promise<SandboxImageHost> };
}

/** Whether this code runs from the compiled build rather than the TypeScript sources. */
export const runsFromBuild = (): boolean => import.meta.url.endsWith('.js');

/**
 * The simulators, from the source checkout's test/sim; null where they cannot be loaded (the compiled
 * build, which runs without tsx, or an install without test/), with the reason.
 */
export async function loadSimulators(): Promise<{ modules: SimulatorModules } | { modules: null; reason: string }> {
  // A Node that strips types could import them even from the build; the build is the product, so it never does.
  if (runsFromBuild()) return { modules: null, reason: 'running the compiled build' };
  const url = (name: string) => pathToFileURL(join(projectRoot, 'test', 'sim', name)).href;
  try {
    const [tiktok, images] = await Promise.all([import(url('tiktok-shop.ts')), import(url('image-host.ts'))]);
    return { modules: { tiktok, images } as SimulatorModules };
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    return { modules: null, reason: typeof code === 'string' ? code : error instanceof Error ? error.message : String(error) };
  }
}
