{
  "targets": [
    {
      "target_name": "gateway_crypto",
      "sources": ["addon.c", "sha256.c", "x25519.c", "chacha20poly1305.c", "envelope.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O3", "-Wall", "-Wextra"],
      "cflags_c": ["-std=gnu99"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3"] }
    }
  ]
}
