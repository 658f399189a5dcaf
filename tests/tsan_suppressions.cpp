// ThreadSanitizer's suppressions for the tests, compiled in (the runtime asks for
// them), so that no option or file has to reach the sandboxes' processes.
// Only third-party code is suppressed here; a race in ours is fixed, never listed.
#if defined(__SANITIZE_THREAD__)
extern "C" const char* __tsan_default_suppressions() {
  return
      // Debian's libcpp-httplib is a compiled library, not instrumented: TSan sees
      // only what its calls to intercepted functions (memcpy, send) touch, not its
      // own synchronisation. Two workers ending chunked streams at once then look
      // like a race on a global inside the library (copied into, then sent, both
      // from its own code). Our buffers are still checked where our code touches them.
      "called_from_lib:libcpp-httplib.so\n";
}
#endif
