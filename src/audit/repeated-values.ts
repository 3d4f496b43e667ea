import type { Product, Variant } from '../catalog/product.js';
import { ownString } from '../catalog/values.js';

export interface RepeatedValue {
  variant: Variant;
  value: string;
  /** Where the value was first used: "product "mug"" or "<earlier variant> of this product". */
  firstUse: string;
}

/**
 * Remembers, across the catalog, which product first used each value of a per-variant field (SKU,
 * barcode), and returns the variants that use a value again. Keys are trimmed; blanks are ignored.
 */
export function createRepeatTracker(valueOf: (variant: Variant) => string, describeVariant: (variant: Variant) => string) {
  const firstHandle = new Map<string, string>();
  return (product: Product): RepeatedValue[] | undefined => {
    let repeats: RepeatedValue[] | undefined;
    let keptHandle: string | undefined;
    const { variants } = product;
    for (let v = 0; v < variants.length; v++) {
      const variant = variants[v]!;
      const value = valueOf(variant).trim();
      if (value === '') continue;
      const handle = firstHandle.get(value);
      if (handle === undefined) {
        firstHandle.set(ownString(value), (keptHandle ??= ownString(product.handle)));
        continue;
      }
      const earlier = variants.slice(0, v).find((other) => valueOf(other).trim() === value);
      (repeats ??= []).push({ variant, value, firstUse: earlier ? `${describeVariant(earlier)} of this product` : `product "${handle}"` });
    }
    return repeats;
  };
}
