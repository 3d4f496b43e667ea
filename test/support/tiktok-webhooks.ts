import { request, type Dispatcher } from 'undici';
import { signTikTokWebhook } from '../sim/tiktok-shop.js';

/** A product status change (type 5) as TikTok delivers it, for the simulator's US shop. */
export function productStatusWebhook(input: {
  notificationId: string; productId: string; status: 'PRODUCT_AUDIT_FAILURE' | 'PRODUCT_FIRST_PASS_REVIEW'; reason?: string;
}): string {
  return JSON.stringify({
    type: 5, tts_notification_id: input.notificationId, shop_id: '7494049642642441621', timestamp: 1700000000,
    data: { product_id: input.productId, status: input.status, ...(input.reason ? { suspended_reason: input.reason } : {}), update_time: 1700000000 },
  });
}

/** Posts a webhook to a bot's /webhooks/tiktok, signed as TikTok signs it; resolves with the HTTP status. */
export async function postTikTokWebhook(
  baseUrl: string, body: string, app: { key: string; secret: string }, dispatcher?: Dispatcher,
): Promise<number> {
  const answer = await request(`${baseUrl}/webhooks/tiktok`, {
    method: 'POST', body, headers: { authorization: signTikTokWebhook(app.key, app.secret, body) }, ...(dispatcher ? { dispatcher } : {}),
  });
  await answer.body.dump();
  return answer.statusCode;
}
