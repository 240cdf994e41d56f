#include "cache/remote/curl_library.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "compiler/util/error.h"

namespace dgxpx::cache {

namespace {

void* open_library(const char* name) {
  void* handle = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    throw util::RuntimeFailure(std::string("the remote cache needs ") + name + ", which could not be loaded (" +
                               ::dlerror() + "); install libcurl4 (Debian) or turn the remote off");
  return handle;
}

template <typename Function>
void bind(void* library, const char* library_name, const char* symbol, Function& out) {
  void* address = ::dlsym(library, symbol);
  if (!address) throw util::RuntimeFailure(std::string(library_name) + " has no " + symbol);
  out = reinterpret_cast<Function>(address);
}

CurlLibrary load() {
  CurlLibrary api{};
  void* curl = open_library("libcurl.so.4");
  void* crypto = open_library("libcrypto.so.3");
#define DGXPX_BIND(library, name) bind(library, #library, #name, api.name)
  DGXPX_BIND(curl, curl_global_init);
  DGXPX_BIND(curl, curl_multi_init);
  DGXPX_BIND(curl, curl_multi_setopt);
  DGXPX_BIND(curl, curl_multi_add_handle);
  DGXPX_BIND(curl, curl_multi_remove_handle);
  DGXPX_BIND(curl, curl_multi_perform);
  DGXPX_BIND(curl, curl_multi_poll);
  DGXPX_BIND(curl, curl_multi_info_read);
  DGXPX_BIND(curl, curl_multi_cleanup);
  DGXPX_BIND(curl, curl_easy_init);
  DGXPX_BIND(curl, curl_easy_setopt);
  DGXPX_BIND(curl, curl_easy_getinfo);
  DGXPX_BIND(curl, curl_easy_strerror);
  DGXPX_BIND(curl, curl_easy_cleanup);
  DGXPX_BIND(curl, curl_slist_append);
  DGXPX_BIND(curl, curl_slist_free_all);
  DGXPX_BIND(crypto, EVP_Digest);
  DGXPX_BIND(crypto, EVP_sha256);
#undef DGXPX_BIND
  if (api.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw util::RuntimeFailure("cannot initialise libcurl");
  return api;
}

}  // namespace

const CurlLibrary& curl_library() {
  static std::once_flag once;
  static CurlLibrary api;
  std::call_once(once, [] { api = load(); });  // a throw leaves it to be tried again
  return api;
}

}  // namespace dgxpx::cache
