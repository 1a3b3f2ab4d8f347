/** A round avatar: the image when the user has one, else initials. */
import { initials, cx } from './util.js';

export interface AvatarProps {
  name: string;
  url?: string | null;
  size?: 'sm' | 'lg';
}

export function Avatar({ name, url, size = 'sm' }: AvatarProps) {
  return (
    <span className={cx('cohost-avatar', `cohost-avatar--${size}`)} aria-hidden="true">
      {url ? <img className="cohost-avatar__img" src={url} alt="" /> : initials(name)}
    </span>
  );
}
