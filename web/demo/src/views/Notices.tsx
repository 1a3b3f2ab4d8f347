/** Short-lived notices ("Bob joined the stage") in a polite live region. */
import { useCallback, useEffect, useRef, useState } from 'react';

export interface Notice {
  id: number;
  text: string;
  kind?: string;
}

/** A list of notices each shown for `ms`; push() adds one. */
export function useNotices(ms = 6000): { notices: Notice[]; push(text: string, kind?: string): void } {
  const [notices, setNotices] = useState<Notice[]>([]);
  const seq = useRef(0);
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  useEffect(() => {
    const set = timers.current;
    return () => set.forEach((t) => clearTimeout(t));
  }, []);
  const push = useCallback(
    (text: string, kind?: string) => {
      const id = ++seq.current;
      setNotices((n) => [...n.slice(-3), { id, text, kind }]);
      const t = setTimeout(() => {
        timers.current.delete(t);
        setNotices((n) => n.filter((x) => x.id !== id));
      }, ms);
      timers.current.add(t);
    },
    [ms],
  );
  return { notices, push };
}

export function Notices({ notices }: { notices: Notice[] }) {
  return (
    <div className="demo-notices" aria-live="polite" data-testid="notices">
      {notices.map((n) => (
        <p key={n.id} className="demo-notice" data-testid="notice" data-kind={n.kind ?? ''}>
          {n.text}
        </p>
      ))}
    </div>
  );
}
