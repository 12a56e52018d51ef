/** The kinds of media a post carries, as the API names them. */
export const MEDIA_TYPES = ['image', 'video', 'gif'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];
