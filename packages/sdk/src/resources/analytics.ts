import type { RequestOptions } from '../core/http.js';
import type { AnalyticsParams, AnalyticsReport, PostAnalytics } from '../types.js';
import { APIResource, seg } from './resource.js';

/** Metrics of published posts: `/analytics` and `/posts/{id}/analytics`. */
export class Analytics extends APIResource {
  /** Aggregates metrics by `groupBy` (`day`, `week`, `month`, `platform`, `campaign`, `post`) with totals. */
  retrieve(params?: AnalyticsParams, options?: RequestOptions): Promise<AnalyticsReport> {
    return this.data('GET', '/analytics', { query: params, options });
  }

  /** One post's latest metrics and its snapshots over time. */
  post(postId: string, options?: RequestOptions): Promise<PostAnalytics> {
    return this.data('GET', `/posts/${seg(postId)}/analytics`, { options });
  }
}
