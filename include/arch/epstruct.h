/* arch/epstruct.h: end a packed structure begun with arch/bpstruct.h.
 * No include guard: included once per structure. */
#pragma pack(pop)
