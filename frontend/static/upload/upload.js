// A progress bar for large uploads: the same POST, sent with XHR so its upload progress can be shown.
const form = document.getElementById("upload-form");
const bar = document.getElementById("upload-progress");
form.addEventListener("submit", (e) => {
  e.preventDefault();
  const xhr = new XMLHttpRequest();
  xhr.open("POST", location.href);
  bar.hidden = false;
  xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) bar.value = (100 * ev.loaded) / ev.total; };
  xhr.onload = () => { document.open(); document.write(xhr.responseText); document.close(); history.replaceState(null, "", xhr.responseURL); };
  xhr.send(new FormData(form));
});
