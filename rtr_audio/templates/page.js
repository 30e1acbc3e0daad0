// Small and dependency-free. The copy button only appears when this script runs, so a reader
// without scripts never sees a button that does nothing.
(function () {
  "use strict";
  var field = document.getElementById("feed-url");
  var button = document.getElementById("copy-feed");
  var status = document.getElementById("copy-status");
  function say(text) { status.textContent = text; }
  function selectField() { field.focus(); field.setSelectionRange(0, field.value.length); }
  function fallbackCopy() {
    selectField();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (err) { copied = false; }
    say(copied ? "Copied. Now paste it into your podcast app."
               : "The address is selected: copy it with your device's copy command.");
  }
  if (field && button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () {
          say("Copied. Now paste it into your podcast app.");
        }, fallbackCopy);
      } else {
        fallbackCopy();
      }
    });
    field.addEventListener("focus", selectField);
  }

  function seek(audio, start) {
    if (audio.readyState >= 1) {
      audio.currentTime = start;
    } else {
      audio.addEventListener("loadedmetadata", function () { audio.currentTime = start; },
                             { once: true });
      audio.preload = "metadata";
      audio.load();
    }
    var playing = audio.play();
    if (playing && playing.catch) { playing.catch(function () {}); }
  }
  document.querySelectorAll("a[data-start]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var audio = document.getElementById(link.getAttribute("data-player"));
      if (!audio) { return; }
      event.preventDefault();
      seek(audio, parseFloat(link.getAttribute("data-start")) || 0);
    });
  });

  // Each player shows its length before play ("0:00 / 10:23", not "0:00 / 0:00"), but only
  // players near the screen ask for it. preload="metadata" on all eight shipped episodes at
  // once made Chromium fetch 4.9 MB on opening the page (10-minute 64 kbps MP3s); lazily it is
  // the page and cover alone (0.35 MB) until the listener scrolls: kinder to a phone's data.
  // Without script the known length is still printed above each player.
  var players = document.querySelectorAll("audio[data-lazy-metadata]");
  function wantMetadata(audio) { if (audio.preload === "none") { audio.preload = "metadata"; } }
  if ("IntersectionObserver" in window) {
    var near = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { wantMetadata(entry.target); near.unobserve(entry.target); }
      });
    }, { rootMargin: "300px 0px" });
    players.forEach(function (audio) { near.observe(audio); });
  } else {
    players.forEach(wantMetadata);
  }

  // One voice at a time: starting an episode pauses any other.
  document.addEventListener("play", function (event) {
    document.querySelectorAll("audio").forEach(function (audio) {
      if (audio !== event.target) { audio.pause(); }
    });
  }, true);

  // Browsers load but never draw captions for <audio>; show the current line under the player.
  document.querySelectorAll("[data-caption-for]").forEach(function (box) {
    var audio = document.getElementById(box.getAttribute("data-caption-for"));
    var track = audio && audio.textTracks && audio.textTracks[0];
    if (!track) { return; }
    track.mode = "hidden";
    track.addEventListener("cuechange", function () {
      var cue = track.activeCues && track.activeCues[0];
      box.textContent = cue ? cue.text : "";
      box.hidden = !cue;
    });
  });
})();
