import { useEffect, useState } from 'preact/hooks';

/** A view of the console: the path and query of the URL fragment (`#/keys?region=eu-west-1`). */
export interface Route {
  path: string;
  params: URLSearchParams;
}

function parse(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const at = raw.indexOf('?');
  return {
    path: at < 0 ? raw : raw.slice(0, at),
    params: new URLSearchParams(at < 0 ? '' : raw.slice(at + 1)),
  };
}

/** The href of a view, for links and for sharing. */
export function href(path: string, params?: URLSearchParams): string {
  const q = params?.toString();
  return `#${path}${q ? `?${q}` : ''}`;
}

export function navigate(path: string, params?: URLSearchParams): void {
  location.hash = href(path, params);
}

/** The current route, re-rendered on every change of the fragment. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const on = () => setRoute(parse(location.hash));
    addEventListener('hashchange', on);
    // The fragment may have changed between the first render and this effect (a fast link
    // or script right after a load): that change fired no event we heard, so read it now.
    on();
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
