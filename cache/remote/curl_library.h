#pragma once
// libcurl, and OpenSSL's SHA-256 for S3 payload hashes, loaded on first use instead of linked.
// Every `dgxpx step` process that ninja starts is this same binary: linking libcurl brought
// in about 30 shared libraries and doubled its start-up time (29 → 59 ms a process), for steps
// that never touch the network. Only a build with a remote cache loads them.
#ifndef CURL_DISABLE_TYPECHECK
#define CURL_DISABLE_TYPECHECK  // plain declarations, so that decltype can name them
#endif
#include <curl/curl.h>
#include <openssl/evp.h>

namespace dgxpx::cache {

/// The libcurl and OpenSSL functions the remote cache calls, by their library names.
struct CurlLibrary {
  decltype(&::curl_global_init) curl_global_init;
  decltype(&::curl_multi_init) curl_multi_init;
  decltype(&::curl_multi_setopt) curl_multi_setopt;
  decltype(&::curl_multi_add_handle) curl_multi_add_handle;
  decltype(&::curl_multi_remove_handle) curl_multi_remove_handle;
  decltype(&::curl_multi_perform) curl_multi_perform;
  decltype(&::curl_multi_poll) curl_multi_poll;
  decltype(&::curl_multi_info_read) curl_multi_info_read;
  decltype(&::curl_multi_cleanup) curl_multi_cleanup;
  decltype(&::curl_easy_init) curl_easy_init;
  decltype(&::curl_easy_setopt) curl_easy_setopt;
  decltype(&::curl_easy_getinfo) curl_easy_getinfo;
  decltype(&::curl_easy_strerror) curl_easy_strerror;
  decltype(&::curl_easy_cleanup) curl_easy_cleanup;
  decltype(&::curl_slist_append) curl_slist_append;
  decltype(&::curl_slist_free_all) curl_slist_free_all;
  decltype(&::EVP_Digest) EVP_Digest;
  decltype(&::EVP_sha256) EVP_sha256;
};

/// Loads libcurl.so.4 and libcrypto.so.3 once (thread-safe) and calls curl_global_init.
/// Throws util::RuntimeFailure naming what could not be loaded.
const CurlLibrary& curl_library();

}  // namespace dgxpx::cache
