//! Passkeys: the bridge between the server's WebAuthn ceremonies and the browser's
//! `navigator.credentials`. The server's options come as JSON with binary fields in
//! base64url; the browser wants them as bytes, and the credential it makes goes back the
//! other way. An island: without JavaScript or WebAuthn the button stays hidden, and the
//! password does the job.

use leptos::{html, prelude::*};

use crate::browser;

/// Which ceremony the button starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasskeyCeremony {
    /// Sign in with a passkey, then go to `next` (a path on this site, or empty).
    SignIn { next: String },
    /// Add a passkey to the signed-in resident's account.
    Register,
}

/// The button and its error line, hidden until the island finds WebAuthn in the browser.
#[component]
pub fn PasskeyButton(
    ceremony: PasskeyCeremony,
    label: String,
    /// Shown when the ceremony fails, whatever the reason.
    failed: String,
    /// A line above the button ("or"), hidden with it.
    lead: Option<String>,
) -> impl IntoView {
    let (kind, next) = match ceremony {
        PasskeyCeremony::SignIn { next } => ("sign-in", next),
        PasskeyCeremony::Register => ("register", String::new()),
    };
    view! {
        <Passkey>
            <div class="passkey-only" hidden data-ceremony=kind data-next=next data-failed=failed>
                {lead.map(|lead| view! { <p class="or">{lead}</p> })}
                <button type="button" class="button secondary passkey-start">{label}</button>
                <p class="notice error passkey-error" role="alert" hidden></p>
            </div>
        </Passkey>
    }
}

/// The ceremony behind the button above.
#[island(lazy)]
pub fn Passkey(children: Children) -> impl IntoView {
    let root = NodeRef::<html::Div>::new();
    let part = move |selector: &str| {
        let root: web_sys::Element = root.get_untracked()?.into();
        browser::child(&root, selector)
    };
    Effect::new(move |_| {
        let Some(root) = root.get() else { return };
        if let Some(shown) = browser::child(&root, ".passkey-only") {
            shown.set_hidden(!webauthn::available());
        }
    });
    let start = move |event: web_sys::MouseEvent| {
        let (Some(button), Some(setup), Some(error)) = (
            browser::target_in(&event, ".passkey-start"),
            part(".passkey-only"),
            part(".passkey-error"),
        ) else {
            return;
        };
        // Busy until the ceremony ends: a second tap starts nothing.
        if button.get_attribute("aria-disabled").is_some() {
            return;
        }
        let _ = button.set_attribute("aria-disabled", "true");
        error.set_hidden(true);
        let ceremony = match browser::data(&setup, "ceremony").as_str() {
            "register" => PasskeyCeremony::Register,
            _ => PasskeyCeremony::SignIn {
                next: browser::data(&setup, "next"),
            },
        };
        let failed = browser::data(&setup, "failed");
        leptos::task::spawn_local(async move {
            match ceremony_of(ceremony).await {
                Ok(redirect) => {
                    // Back from the next page (the back-forward cache), the button works.
                    let _ = button.remove_attribute("aria-disabled");
                    browser::go_to(&redirect);
                }
                Err(_) => {
                    error.set_text_content(Some(&failed));
                    error.set_hidden(false);
                    let _ = button.remove_attribute("aria-disabled");
                }
            }
        });
    };
    view! { <div class="island" node_ref=root on:click=start>{children()}</div> }
}

/// The ceremony's code comes from the server the first time a resident taps the button: most
/// visits to a page with the button (every visit to the account page) never use it. A chunk
/// that does not arrive (a connection dropped on the way) is an error the button shows, and
/// the next tap fetches it again, never a panic that would stop every island of the page:
/// hence wasm_split's `fallible`, which leptos's `#[lazy]` (wasm_split underneath) does not
/// offer.
#[cfg(feature = "hydrate")]
#[leptos::wasm_split::wasm_split(
    passkey_ceremony,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    return_wrapper(let future = _; { future.await } -> Result<String, webauthn::CeremonyError>)
)]
fn ceremony_of(ceremony: PasskeyCeremony) -> CeremonyFuture {
    Box::pin(leptos::__reexports::send_wrapper::SendWrapper::new(
        async move { webauthn::perform(&ceremony).await },
    ))
}

#[cfg(feature = "hydrate")]
type CeremonyFuture = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<String, webauthn::CeremonyError>> + Send + Sync>,
>;

/// On the server the button is never tapped; the same signature keeps the island one code.
#[cfg(not(feature = "hydrate"))]
async fn ceremony_of(ceremony: PasskeyCeremony) -> Result<String, webauthn::CeremonyError> {
    webauthn::perform(&ceremony).await
}

/// The ceremonies, in the browser.
mod webauthn {
    use js_sys::{Array, ArrayBuffer, JsString, Object, Reflect, Uint8Array};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        AuthenticatorAssertionResponse, AuthenticatorAttestationResponse, PublicKeyCredential,
    };

    use super::PasskeyCeremony;
    use crate::browser::{self, wire, Body, FetchError};

    /// Why a ceremony stopped; the resident reads one message for all.
    #[derive(Debug, thiserror::Error)]
    pub enum CeremonyError {
        #[error(transparent)]
        Fetch(#[from] FetchError),
        /// The portal refused (an unknown contact, a stale ceremony).
        #[error("the portal refused the passkey ({0})")]
        Refused(u16),
        /// The browser or the authenticator declined, or gave something unexpected.
        #[error("the browser did not make a passkey")]
        Browser,
        /// The ceremony's code did not arrive.
        #[error("the passkey code did not load")]
        NotLoaded,
    }

    impl From<leptos::wasm_split::SplitLoaderError> for CeremonyError {
        fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
            CeremonyError::NotLoaded
        }
    }

    impl From<JsValue> for CeremonyError {
        fn from(_: JsValue) -> Self {
            CeremonyError::Browser
        }
    }

    pub fn available() -> bool {
        web_sys::window().is_some_and(|window| {
            Reflect::has(&window, &"PublicKeyCredential".into()).unwrap_or(false)
                && Reflect::has(&window.navigator(), &"credentials".into()).unwrap_or(false)
        })
    }

    /// Runs the ceremony; where to go once it is done.
    pub async fn perform(ceremony: &PasskeyCeremony) -> Result<String, CeremonyError> {
        match ceremony {
            PasskeyCeremony::Register => register().await,
            PasskeyCeremony::SignIn { next } => sign_in(next).await,
        }
    }

    async fn register() -> Result<String, CeremonyError> {
        let (ceremony, key) = start("/me/passkeys/register/start", "{}".to_owned()).await?;
        to_bytes(&key, "challenge")?;
        to_bytes(&Reflect::get(&key, &"user".into())?, "id")?;
        each_id_to_bytes(&key, "excludeCredentials")?;
        let options = web_sys::CredentialCreationOptions::new();
        options.set_public_key(key.unchecked_ref());
        let credential = made_by(credentials()?.create_with_options(&options)?).await?;
        let response: AuthenticatorAttestationResponse = answer_of(&credential)?;
        let made = object(&[
            ("attestationObject", encode(&response.attestation_object())),
            ("clientDataJSON", encode(&response.client_data_json())),
            ("transports", response.get_transports().into()),
        ])?;
        finish(
            "/me/passkeys/register/finish",
            &[
                ("ceremony", ceremony),
                ("credential", credential_json(&credential, made)?),
            ],
        )
        .await
    }

    async fn sign_in(next: &str) -> Result<String, CeremonyError> {
        let contact = browser::input_by_id("contact")
            .map(|input| input.value())
            .unwrap_or_default();
        let body = wire::object_json(&[(wire::SIGN_IN_CONTACT, &contact)])
            .ok_or(CeremonyError::Browser)?;
        let (ceremony, key) = start("/signin/passkey/start", body).await?;
        to_bytes(&key, "challenge")?;
        each_id_to_bytes(&key, "allowCredentials")?;
        let options = web_sys::CredentialRequestOptions::new();
        options.set_public_key(key.unchecked_ref());
        let credential = made_by(credentials()?.get_with_options(&options)?).await?;
        let response: AuthenticatorAssertionResponse = answer_of(&credential)?;
        let user_handle = response
            .user_handle()
            .map_or(JsValue::NULL, |handle| encode(&handle));
        let made = object(&[
            ("authenticatorData", encode(&response.authenticator_data())),
            ("clientDataJSON", encode(&response.client_data_json())),
            ("signature", encode(&response.signature())),
            ("userHandle", user_handle),
        ])?;
        finish(
            "/signin/passkey/finish",
            &[
                ("ceremony", ceremony),
                ("next", next.into()),
                ("credential", credential_json(&credential, made)?),
            ],
        )
        .await
    }

    fn credentials() -> Result<web_sys::CredentialsContainer, CeremonyError> {
        Ok(web_sys::window()
            .ok_or(CeremonyError::Browser)?
            .navigator()
            .credentials())
    }

    /// The credential the authenticator makes (or finds) once the resident agrees.
    async fn made_by(ceremony: js_sys::Promise) -> Result<PublicKeyCredential, CeremonyError> {
        Ok(JsFuture::from(ceremony).await?.dyn_into()?)
    }

    /// The credential's response, as the ceremony's own kind.
    fn answer_of<T: JsCast>(credential: &PublicKeyCredential) -> Result<T, CeremonyError> {
        credential
            .response()
            .dyn_into()
            .map_err(|_| CeremonyError::Browser)
    }

    /// Asks the portal to start a ceremony: its id, and the options' `publicKey` as the
    /// browser will take it once its binary fields are bytes.
    async fn start(url: &str, body: String) -> Result<(JsValue, JsValue), CeremonyError> {
        let answer = browser::send("POST", url, Some(Body::Json(body))).await?;
        if !answer.ok() {
            return Err(CeremonyError::Refused(answer.status));
        }
        let started = answer.js()?;
        let ceremony = Reflect::get(&started, &"ceremony".into())?;
        let options = Reflect::get(&started, &"options".into())?;
        let key = Reflect::get(&options, &"publicKey".into())?;
        if !key.is_object() {
            return Err(FetchError::Unexpected.into());
        }
        Ok((ceremony, key))
    }

    /// Sends what the authenticator made; the portal answers where to go.
    async fn finish(url: &str, fields: &[(&str, JsValue)]) -> Result<String, CeremonyError> {
        let body = js_sys::JSON::stringify(&object(fields)?)?
            .as_string()
            .ok_or(CeremonyError::Browser)?;
        let answer = browser::send("POST", url, Some(Body::Json(body))).await?;
        if !answer.ok() {
            return Err(CeremonyError::Refused(answer.status));
        }
        Ok(wire::text(&answer.js()?, wire::DONE_REDIRECT).ok_or(FetchError::Unexpected)?)
    }

    /// A credential as webauthn-rs reads it, binary fields in base64url.
    fn credential_json(
        credential: &PublicKeyCredential,
        response: JsValue,
    ) -> Result<JsValue, CeremonyError> {
        object(&[
            ("id", credential.id().into()),
            ("rawId", encode(&credential.raw_id())),
            ("type", credential.type_().into()),
            (
                "extensions",
                credential.get_client_extension_results().into(),
            ),
            ("response", response),
        ])
    }

    fn object(fields: &[(&str, JsValue)]) -> Result<JsValue, CeremonyError> {
        let object = Object::new();
        for (name, value) in fields {
            Reflect::set(&object, &(*name).into(), value)?;
        }
        Ok(object.into())
    }

    /// Replaces the base64url text at `owner[name]` with its bytes. The browser's own
    /// base64 (`atob`, `btoa`) and string functions do the work: code in the wasm would only
    /// add to it.
    fn to_bytes(owner: &JsValue, name: &str) -> Result<(), CeremonyError> {
        let text: JsString = Reflect::get(owner, &name.into())?
            .dyn_into()
            .map_err(|_| FetchError::Unexpected)?;
        let standard = text.replace_all("-", "+").replace_all("_", "/");
        let padded = standard.pad_end(standard.length().div_ceil(4) * 4, "=");
        let window = web_sys::window().ok_or(CeremonyError::Browser)?;
        // `atob` gives one character per byte, each below 256.
        let bytes: Vec<u8> = window
            .atob(&String::from(padded))
            .map_err(|_| FetchError::Unexpected)?
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or_default())
            .collect();
        Reflect::set(owner, &name.into(), &Uint8Array::from(bytes.as_slice()))?;
        Ok(())
    }

    /// The same for the `id` of each credential listed at `owner[name]`, if any.
    fn each_id_to_bytes(owner: &JsValue, name: &str) -> Result<(), CeremonyError> {
        let listed = Reflect::get(owner, &name.into())?;
        if listed.is_undefined() || listed.is_null() {
            return Ok(());
        }
        for credential in Array::from(&listed).iter() {
            to_bytes(&credential, "id")?;
        }
        Ok(())
    }

    /// The bytes of `buffer` in base64url without padding, as webauthn-rs reads them.
    fn encode(buffer: &ArrayBuffer) -> JsValue {
        let codes: Vec<u16> = Uint8Array::new(buffer)
            .to_vec()
            .into_iter()
            .map(u16::from)
            .collect();
        let binary = String::from(JsString::from_char_code(&codes));
        let standard = web_sys::window()
            .and_then(|window| window.btoa(&binary).ok())
            .unwrap_or_default();
        JsString::from(standard)
            .replace_all("+", "-")
            .replace_all("/", "_")
            .replace_all("=", "")
            .into()
    }
}
