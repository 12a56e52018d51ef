import { useEffect, useState } from 'react';

/**
 * Copies `value` to the clipboard and says so for a moment (announced politely). Where the clipboard is
 * refused, the text of the element `target` (an id) is selected for the person to copy themselves.
 */
export function CopyButton({
  value,
  target,
  label = 'Copy',
}: {
  value: string;
  target?: string;
  label?: string;
}) {
  const [state, setState] = useState<'idle' | 'copied' | 'select'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = window.setTimeout(() => setState('idle'), 2500);
    return () => window.clearTimeout(timer);
  }, [state]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      const element = target ? document.getElementById(target) : null;
      if (element) {
        const range = document.createRange();
        range.selectNodeContents(element);
        const selection = window.getSelection();
        selection?.removeAllRanges();
        selection?.addRange(range);
      }
      setState('select');
    }
  };

  return (
    <button type="button" className="button button--secondary button--small" onClick={() => void copy()}>
      <span aria-live="polite">
        {state === 'copied' ? 'Copied' : state === 'select' ? 'Selected: press Ctrl+C' : label}
      </span>
    </button>
  );
}
