//! The sign-in page: email and password.

use firstpass_shared::domain::ErrorCode;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use crate::api::ApiError;
use crate::session::Session;

/// What to tell the person at the screen when signing in fails.
fn sign_in_message(error: &ApiError) -> String {
    match error.code() {
        Some(ErrorCode::Unauthenticated) => {
            "Wrong email or password. Check both and try again.".to_owned()
        }
        Some(ErrorCode::RateLimited) => {
            "Too many attempts, wait a minute before trying again.".to_owned()
        }
        _ => error.user_message(),
    }
}

/// `/sign-in`: the form; goes to the start page once signed in.
#[component]
pub fn SignInPage() -> impl IntoView {
    let session = Session::get();
    leptos::task::spawn_local(crate::pages::preload_start());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());

    let sign_in = Action::new_local(move |(email, password): &(String, String)| {
        session.sign_in(email.trim().to_owned(), password.clone())
    });
    let pending = sign_in.pending();
    let error = move || {
        sign_in.value().with(|result| match result {
            Some(Err(e)) => Some(sign_in_message(e)),
            Some(Ok(())) | None => None,
        })
    };

    // The page is in the document and can be used: a mark for the first-load benchmark
    // (`e2e/benches/first_load.rs`), read from the Performance timeline.
    Effect::new(|_| {
        if let Some(timeline) = web_sys::window().and_then(|w| w.performance()) {
            let _ = timeline.mark("firstpass-sign-in-usable");
        }
    });

    // Signed in (now, or already when arriving here): go to the start page.
    let navigate = use_navigate();
    Effect::new(move |_| {
        if session.profile().is_some() {
            navigate(
                "/",
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !pending.get_untracked() {
            sign_in.dispatch((email.get_untracked(), password.get_untracked()));
        }
    };

    view! {
        <section class="card narrow" aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">"Sign in"</h1>
            <form class="form" on:submit=on_submit>
                <div class="field">
                    <label for="email">"Email"</label>
                    <input
                        id="email"
                        name="email"
                        type="email"
                        autocomplete="username"
                        required
                        autofocus
                        bind:value=email
                    />
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        bind:value=password
                    />
                </div>
                {move || {
                    error()
                        .map(|message| {
                            view! {
                                <p role="alert" class="alert" data-testid="sign-in-error">
                                    {message}
                                </p>
                            }
                        })
                }}
                <button id="sign-in" type="submit" class="button primary" disabled=pending>
                    {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: ErrorCode) -> ApiError {
        ApiError::Server {
            code: Some(code),
            message: "server text".to_owned(),
        }
    }

    #[test]
    fn wrong_credentials_and_rate_limits_read_as_sentences() {
        assert!(sign_in_message(&server(ErrorCode::Unauthenticated)).starts_with("Wrong email"));
        assert!(sign_in_message(&server(ErrorCode::RateLimited)).contains("wait a minute"));
        assert!(sign_in_message(&ApiError::Network("offline".to_owned())).contains("reached"));
    }
}
