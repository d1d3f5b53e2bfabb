/* arch/bpstruct.h: begin a packed structure, for applications whose port
 * sets PACK_STRUCT_USE_INCLUDES (lwIP's pattern for compilers that pack
 * with a pragma).  Pair every include with arch/epstruct.h.  No include
 * guard: it is meant to be included once per structure.  GCC and clang
 * also pack with PACK_STRUCT_STRUCT (lwip/compat/cc.h); this pragma is
 * the form they share with other compilers. */
#pragma pack(push, 1)
