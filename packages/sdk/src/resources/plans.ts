import type { RequestOptions } from '../core/http.js';
import type { PagePromise } from '../core/pagination.js';
import type {
  Deleted,
  Plan,
  PlanApplication,
  PlanCreateParams,
  PlanListParams,
  PlanPreview,
  PlanPreviewParams,
} from '../types.js';
import { APIResource, seg } from './resource.js';

/** Content plans: `/plans`. */
export class Plans extends APIResource {
  /** Proposes dated, platform-valid drafts over a date range (`{items, summary}`); saves nothing. */
  generatePreview(params: PlanPreviewParams, options?: RequestOptions): Promise<PlanPreview> {
    return this.data('POST', '/plans/generate-preview', { body: params, options });
  }

  /** Generates a plan and stores it as a `draft`. */
  create(params: PlanCreateParams, options?: RequestOptions): Promise<Plan> {
    return this.data('POST', '/plans', { body: params, options });
  }

  /** Lists plans (filters `brandId`, `status`). */
  list(params?: PlanListParams, options?: RequestOptions): PagePromise<Plan> {
    return this.page<Plan>('/plans', params, options);
  }

  /** Retrieves a plan. */
  retrieve(id: string, options?: RequestOptions): Promise<Plan> {
    return this.data('GET', `/plans/${seg(id)}`, { options });
  }

  /**
   * Creates the plan's campaign and one draft post per item, once (`created: false` on a repeat), in one
   * call. For progress, `jobs.create({ type: 'plans.apply', payload: { planId } })` does the same as a job.
   */
  apply(id: string, options?: RequestOptions): Promise<PlanApplication> {
    return this.data('POST', `/plans/${seg(id)}/apply`, { options });
  }

  /** Deletes a plan; what it created stays. */
  delete(id: string, options?: RequestOptions): Promise<Deleted> {
    return this.data('DELETE', `/plans/${seg(id)}`, { options });
  }
}
