// Django's CSRF token, from its cookie: every unsafe request (fetch, XHR, keepalive) sends it as X-CSRFToken.
export function csrfToken() {
  const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}
