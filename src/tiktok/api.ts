import { z } from 'zod';

/**
 * The TikTok Shop Open API (202309) as shopshift uses it: request and response shapes from
 * shared/reference/tiktok-shop.md §5-§7. Ids are strings everywhere (19 digits exceed JS numbers).
 */

export const productStatusSchema = z.enum([
  'DRAFT', 'PENDING', 'FAILED', 'ACTIVATE', 'SELLER_DEACTIVATED', 'PLATFORM_DEACTIVATED', 'FREEZE', 'DELETED',
]);
export type TikTokProductStatus = z.infer<typeof productStatusSchema>;

export const auditFailedReasonSchema = z.object({
  position: z.string().default(''),
  reasons: z.array(z.string()).default([]),
  suggestions: z.array(z.string()).default([]),
  listing_platform: z.string().optional(),
});
export type AuditFailedReason = z.infer<typeof auditFailedReasonSchema>;

export interface Money {
  amount: string;
  currency: string;
}

/** The create/edit body (§5 "Create product body"); only what shopshift sends. */
export interface ProductBody {
  title: string;
  description: string;
  category_id: string;
  brand_id?: string;
  main_images: { uri: string }[];
  skus: {
    seller_sku: string;
    price: Money;
    inventory: { warehouse_id: string; quantity: number }[];
    sales_attributes?: { name: string; value_name: string; sku_img?: { uri: string } }[];
    identifier_code?: { code: string; type: 'GTIN' | 'EAN' | 'UPC' | 'ISBN' };
    external_sku_id?: string;
  }[];
  package_weight: { value: string; unit: 'KILOGRAM' | 'POUND' };
  package_dimensions?: { length: string; width: string; height: string; unit: 'CENTIMETER' | 'INCH' };
  product_attributes?: { id: string; values: ({ id: string } | { name: string })[] }[];
  external_product_id?: string;
  save_mode?: 'AS_DRAFT' | 'LISTING';
  idempotency_key?: string;
}

export interface CreatedProduct {
  productId: string;
  skus: { id: string; sellerSku: string }[];
  warnings: string[];
}

export interface ProductDetail {
  id: string;
  status: TikTokProductStatus;
  /** Review state tracked apart from the listing state (§11): NONE, AUDITING, FAILED, PRE_APPROVED, APPROVED. */
  auditStatus: string | null;
  auditFailedReasons: AuditFailedReason[];
  skus: { id: string; sellerSku: string }[];
}

export interface ProductSummary {
  id: string;
  status: TikTokProductStatus;
  skus: { id: string; sellerSku: string }[];
}

export interface SearchProductsQuery {
  status?: TikTokProductStatus;
  /** At most 10 per call (§5). */
  sellerSkus?: string[];
  pageSize?: number;
  pageToken?: string;
}

export interface UploadedImage {
  uri: string;
  url: string;
  width: number;
  height: number;
}

export type ImageUseCase = 'MAIN_IMAGE' | 'ATTRIBUTE_IMAGE' | 'DESCRIPTION_IMAGE' | 'CERTIFICATION_IMAGE' | 'SIZE_CHART_IMAGE';

export interface TikTokCategory {
  id: string;
  parentId: string;
  name: string;
  isLeaf: boolean;
  /** `permission_statuses` (AVAILABLE, INVITE_ONLY, NON_MAIN_CATEGORY; none for a prohibited one); null when TikTok sent none. */
  permissionStatuses: string[] | null;
}

/** What TikTok's Recommend Category answered: the leaf it suggests and its path from the top level. */
export interface CategoryRecommendation {
  /** null when TikTok had no suggestion for the title. */
  leafCategoryId: string | null;
  /** Top level first; the leaf last. */
  path: { id: string; name: string; isLeaf: boolean }[];
}

/** The product a recommendation is asked for (§5: `product_title` is required, the rest helps). */
export interface RecommendCategoryInput {
  title: string;
  description?: string;
  images?: { uri: string }[];
}

export interface CategoryRules {
  certifications: { id: string; name: string; isRequired: boolean }[];
  sizeChartRequired: boolean;
  packageDimensionRequired: boolean;
}

/** One attribute of a category (§5 Attributes response); `isRequired` reads TikTok's misspelt `is_requried`. */
export interface CategoryAttribute {
  id: string;
  name: string;
  type: 'PRODUCT_PROPERTY' | 'SALES_PROPERTY';
  isRequired: boolean;
  values: { id: string; name: string }[];
  /** true: a value outside `values` may be sent by name. */
  isCustomizable: boolean;
  isMultipleSelection: boolean;
}

/**
 * Check Product Listing's answer (§5: the create body, judged without creating anything). `code` is absent
 * in the documented shape; TikTok (and the simulator) may send it.
 */
export interface ListingCheckResult {
  passed: boolean;
  failures: { code: string | null; message: string }[];
  warnings: { message: string }[];
}

/** What the migration, the reconcile job and the chat commands call. One instance per shop. */
export interface TikTokShopClient {
  /** `includeProhibited` also lists the categories the shop may not sell in (with no permission status). */
  getCategories(query?: { includeProhibited?: boolean }): Promise<TikTokCategory[]>;
  getCategoryRules(categoryId: string): Promise<CategoryRules>;
  getAttributes(categoryId: string): Promise<CategoryAttribute[]>;
  recommendCategory(input: RecommendCategoryInput): Promise<CategoryRecommendation>;
  getBrands(query?: { brandName?: string; pageSize?: number; pageToken?: string }): Promise<{ brands: { id: string; name: string }[]; nextPageToken: string | null }>;
  uploadImage(image: { data: Uint8Array; fileName: string; contentType: string }, useCase?: ImageUseCase): Promise<UploadedImage>;
  createProduct(body: ProductBody): Promise<CreatedProduct>;
  listingCheck(body: ProductBody): Promise<ListingCheckResult>;
  editProduct(productId: string, body: ProductBody): Promise<void>;
  getProduct(productId: string): Promise<ProductDetail>;
  searchProducts(query: SearchProductsQuery): Promise<{ products: ProductSummary[]; nextPageToken: string | null; totalCount: number }>;
  activateProducts(productIds: string[]): Promise<void>;
  deactivateProducts(productIds: string[]): Promise<void>;
}
