{
  "targets": [
    {
      "target_name": "wirekit_uring",
      "sources": ["wirekit_uring.c"],
      "cflags": ["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-l:liburing.a"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
