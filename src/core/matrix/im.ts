// IM values of method.md §2: IM(u,o) = 1·[clicked] + 2·[bookmarked] + 3·[replied], the sum over the distinct
// types present, kept as a type bitmask (bit 0 click, bit 1 bookmark, bit 2 reply).

/** IM value of a set of types as a bitmask (bit 0 click, bit 1 bookmark, bit 2 reply): 1·c + 2·b + 3·r. */
export const IM_OF_MASK: readonly number[] = [0, 1, 2, 3, 3, 4, 5, 6];

/** Number of distinct IM values (0..6): the width of a user's histogram. */
export const IM_LEVELS = 7;
