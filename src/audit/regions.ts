import { z } from 'zod';

/**
 * TikTok Shop listing limits that differ by market. Every value comes from
 * shared/reference/tiktok-shop.md §8 (LYW = the Create Product 202309 page as transcribed there).
 * The live category rules of the API outrank these constants once a shop is connected.
 */
export const regionCodeSchema = z.enum(['US', 'GB', 'ID', 'MY', 'PH', 'SG', 'TH', 'VN']);
export type RegionCode = z.infer<typeof regionCodeSchema>;

export const sellerTypeSchema = z.enum(['local', 'cross-border']);
export type SellerType = z.infer<typeof sellerTypeSchema>;

export interface PriceRange {
  min: number;
  max: number;
}

export interface RegionRules {
  code: RegionCode;
  name: string;
  currency: string;
  /** Title length in characters: US/UK 1-255, SEA 25-255 (§8 "Title length", error 12052051). */
  titleMin: number;
  titleMax: number;
  /** SKUs per product: US/UK ≤100, others ≤300 (§8 "SKUs per product", 12052050). */
  maxSkus: number;
  /** Price bounds for local sellers and, where the page lists them, cross-border sellers (§8, 12052570). */
  localPrice: PriceRange;
  crossBorderPrice: PriceRange | null;
  /** Package dimensions are required for local sellers in MY, SG, UK, US and for all cross-border sellers (§8). */
  dimensionsRequiredLocal: boolean;
  /** English-language markets reject titles in other languages (§8 "Title content", 12052266). */
  englishMarket: boolean;
}

const common = { titleMax: 255 } as const;

export const REGIONS: Record<RegionCode, RegionRules> = {
  US: { ...common, code: 'US', name: 'United States', currency: 'USD', titleMin: 1, maxSkus: 100, localPrice: { min: 0.01, max: 7600 }, crossBorderPrice: null, dimensionsRequiredLocal: true, englishMarket: true },
  GB: { ...common, code: 'GB', name: 'United Kingdom', currency: 'GBP', titleMin: 1, maxSkus: 100, localPrice: { min: 0.01, max: 5600 }, crossBorderPrice: { min: 0.01, max: 134.5 }, dimensionsRequiredLocal: true, englishMarket: true },
  ID: { ...common, code: 'ID', name: 'Indonesia', currency: 'IDR', titleMin: 25, maxSkus: 300, localPrice: { min: 100, max: 100_000_000 }, crossBorderPrice: null, dimensionsRequiredLocal: false, englishMarket: false },
  MY: { ...common, code: 'MY', name: 'Malaysia', currency: 'MYR', titleMin: 25, maxSkus: 300, localPrice: { min: 0.01, max: 320_000 }, crossBorderPrice: { min: 0.01, max: 320_000 }, dimensionsRequiredLocal: true, englishMarket: false },
  PH: { ...common, code: 'PH', name: 'Philippines', currency: 'PHP', titleMin: 25, maxSkus: 300, localPrice: { min: 0.01, max: 400_000 }, crossBorderPrice: { min: 0.01, max: 400_000 }, dimensionsRequiredLocal: false, englishMarket: false },
  SG: { ...common, code: 'SG', name: 'Singapore', currency: 'SGD', titleMin: 25, maxSkus: 300, localPrice: { min: 0.01, max: 10_000 }, crossBorderPrice: { min: 0.01, max: 400 }, dimensionsRequiredLocal: true, englishMarket: false },
  TH: { ...common, code: 'TH', name: 'Thailand', currency: 'THB', titleMin: 25, maxSkus: 300, localPrice: { min: 30, max: 260_000 }, crossBorderPrice: { min: 0.01, max: 260_000 }, dimensionsRequiredLocal: false, englishMarket: false },
  VN: { ...common, code: 'VN', name: 'Vietnam', currency: 'VND', titleMin: 25, maxSkus: 300, localPrice: { min: 1, max: 180_000_000 }, crossBorderPrice: { min: 1, max: 1_000_000 }, dimensionsRequiredLocal: false, englishMarket: false },
};

export function priceRangeFor(region: RegionRules, sellerType: SellerType): PriceRange {
  return sellerType === 'cross-border' ? (region.crossBorderPrice ?? region.localPrice) : region.localPrice;
}

export function dimensionsRequired(region: RegionRules, sellerType: SellerType): boolean {
  return sellerType === 'cross-border' || region.dimensionsRequiredLocal;
}
