/* arch/bpstruct.h: begin a packed structure, for applications whose port
 * sets PACK_STRUCT_USE_INCLUDES (lwIP's pattern for compilers that pack
 * with a pragma).  Pair every include with arch/epstruct.h.  No include
 * guard: it is meant to be included once per structure.  GCC and clang
 * also pack with PACK_STRUCT_STRUCT (lwip/compat/cc.h); this pragma is
 * the form they share with other compilers. */
/* clang warns (-Wpragma-pack, on by default) when an included file leaves
 * the packing changed, which is exactly what this header is for; with
 * -Werror that would break every application using it.  The warning is
 * reported at the #include line, so it can only be silenced from here by
 * leaving it off for the rest of the translation unit. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpragma-pack"
#endif
#pragma pack(push, 1)
