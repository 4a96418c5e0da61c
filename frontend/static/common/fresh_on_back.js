// A page whose figures move as people work (the home page's queue counts): shown again from the back/forward cache
// (Back after a page of labelling), it asks the server again instead of showing the figures of when it was left.
// The server also sends Cache-Control: no-store, which keeps most browsers from storing it at all.
addEventListener("pageshow", (event) => { if (event.persisted) location.reload(); });
