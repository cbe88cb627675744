// Header-only shim over libcurl.
//
// Swift cannot call C variadic functions, so every form of curl_easy_setopt / curl_easy_getinfo /
// curl_multi_setopt that abtop needs gets a typed static inline wrapper here.
#ifndef ABTOP_CCURL_SHIM_H
#define ABTOP_CCURL_SHIM_H

#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

typedef size_t (*abtop_curl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);

static inline CURLcode abtop_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode abtop_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode abtop_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode abtop_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode abtop_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode abtop_easy_setopt_callback(CURL *handle, CURLoption option, abtop_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode abtop_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode abtop_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode abtop_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode abtop_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}

static inline CURLMcode abtop_multi_setopt_pointer(CURLM *handle, CURLMoption option, void *value) {
    return curl_multi_setopt(handle, option, value);
}

static inline CURLMcode abtop_multi_setopt_socketfunction(CURLM *handle, curl_socket_callback callback) {
    return curl_multi_setopt(handle, CURLMOPT_SOCKETFUNCTION, callback);
}

static inline CURLMcode abtop_multi_setopt_timerfunction(CURLM *handle, curl_multi_timer_callback callback) {
    return curl_multi_setopt(handle, CURLMOPT_TIMERFUNCTION, callback);
}

static const curl_socket_t abtop_CURL_SOCKET_TIMEOUT = CURL_SOCKET_TIMEOUT;

/// The version string of the libcurl actually linked (e.g. "8.5.0").
static inline const char *abtop_curl_version_string(void) {
    return curl_version_info(CURLVERSION_NOW)->version;
}

/// Whether the linked libcurl was built with HTTP/2 support.
static inline int abtop_curl_has_http2(void) {
    return (curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_HTTP2) != 0;
}

#endif
