// Passkeys for City Portal: hands the server's WebAuthn options to the browser and posts
// back what the authenticator made. Loaded only by the sign-in and profile pages; without
// it (or without WebAuthn) the passkey buttons stay hidden and passwords still work.
"use strict";
(function () {
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  const toBytes = (b64url) => {
    const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(b64 + "===".slice((b64.length + 3) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  };
  const toB64url = (buffer) => {
    let raw = "";
    new Uint8Array(buffer).forEach((b) => { raw += String.fromCharCode(b); });
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || "error");
    return data;
  }

  // What webauthn-rs reads of a credential, binary fields in base64url.
  const asJson = (credential, response) => ({
    id: credential.id,
    rawId: toB64url(credential.rawId),
    type: credential.type,
    extensions: credential.getClientExtensionResults(),
    response,
  });

  function showError(error) {
    const box = document.getElementById("passkey-error");
    if (!box) return;
    box.textContent = box.dataset.error || document.getElementById("passkey-signin")?.dataset.error || String(error);
    box.hidden = false;
  }

  async function addPasskey() {
    const { ceremony, options } = await post("/me/passkeys/register/start");
    const key = options.publicKey;
    key.challenge = toBytes(key.challenge);
    key.user.id = toBytes(key.user.id);
    (key.excludeCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
    const credential = await navigator.credentials.create({ publicKey: key });
    const result = await post("/me/passkeys/register/finish", {
      ceremony,
      credential: asJson(credential, {
        attestationObject: toB64url(credential.response.attestationObject),
        clientDataJSON: toB64url(credential.response.clientDataJSON),
        transports: credential.response.getTransports ? credential.response.getTransports() : [],
      }),
    });
    window.location.assign(result.redirect);
  }

  async function signIn(button) {
    const contact = document.getElementById("contact").value;
    const { ceremony, options } = await post("/signin/passkey/start", { contact });
    const key = options.publicKey;
    key.challenge = toBytes(key.challenge);
    (key.allowCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
    const credential = await navigator.credentials.get({ publicKey: key });
    const response = credential.response;
    const result = await post("/signin/passkey/finish", {
      ceremony,
      next: button.dataset.next || "",
      credential: asJson(credential, {
        authenticatorData: toB64url(response.authenticatorData),
        clientDataJSON: toB64url(response.clientDataJSON),
        signature: toB64url(response.signature),
        userHandle: response.userHandle ? toB64url(response.userHandle) : null,
      }),
    });
    window.location.assign(result.redirect);
  }

  document.querySelectorAll(".passkey-only").forEach((el) => { el.hidden = false; });
  const add = document.getElementById("passkey-add");
  if (add) add.addEventListener("click", () => addPasskey().catch(showError));
  const signin = document.getElementById("passkey-signin");
  if (signin) signin.addEventListener("click", () => signIn(signin).catch(showError));
  document.documentElement.dataset.passkeys = "ready";
})();
