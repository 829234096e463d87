/**
 * Passwords attackers try first (lower case, accents removed), from published leak
 * rankings, French ones included. Shorter ones are already refused by the length rule;
 * a password is also refused when it is one of these followed by digits or symbols.
 */
export const COMMON_PASSWORDS = new Set(
  `
1234567890 0123456789 1234567891 12345678910 123456789a a123456789 1234567890a 1q2w3e4r5t 1qaz2wsx3edc
azertyuiop azertyuiop1 azerty1234 azerty123456 qwertyuiop qwerty1234 qwerty123456 qwertzuiop
motdepasse motdepasse1 motdepasse123 mot2passe motdepass passwordpassword password password1 password12
password123 password1234 passw0rd passw0rd1 p@ssw0rd p@ssword motdepasse! azerty azertyui qwerty
iloveyou iloveyou1 iloveyou12 jetaime jetaime1 jetaime123 jetaimemoi soleil soleil123 soleil1234
bonjour bonjour123 bonjour1234 doudou doudou123 loulou loulou123 chouchou chouchou123 chocolat chocolat123
princesse princesse1 princess football football1 marseille marseille13 olympique lyonnais parisien
nicolas nicolas123 julien julien123 camille camille123 celine celine123 anthony anthony123 alexandre
administrator administrateur admin12345 adminadmin welcome welcome123 bienvenue bienvenue1 bienvenue123
abcdefghij abcdefghijk abcd123456 abc1234567 aaaaaaaaaa 1111111111 0000000000 9876543210 1122334455
1234512345 1234554321 1212121212 123123123123 qazwsxedc qazwsxedcrfv zaq12wsx zaq12wsxcde zxcvbnm123
dragon dragon123 monkey monkey123 sunshine sunshine1 shadow shadow123 master master123 superman batman
starwars pokemon pokemon123 naruto naruto123 minecraft minecraft123 fortnite liverpool chelsea arsenal
baseball basketball hockey tennis123 charlie charlie123 michael michelle jennifer jordan23 letmein
trustno1 whatever freedom qwerty123 1q2w3e4r 1q2w3e4r5t6y q1w2e3r4t5 q1w2e3r4t5y6 entraide voisins
entraidonsnous voisinsvoisines grenoble grenoble38 meylan seyssins lyon69 lyonlyon metropole france
francefrance allezlesbleus vacances vacances2024 printemps automne hiver2024 ete2024 noel2024 janvier
fevrier mars2024 avril2024 septembre octobre novembre decembre lundi123 dimanche maison maison123
famille famille123 enfants bebe123 mamanpapa maman123 papa1234 amour123 amoureux cheval123 chaton
chien123 chat1234 tigrou tigrou123 titou123 nounours nounours123 coucou coucou123 salut123 merci123
`
    .split(/\s+/)
    .filter(Boolean),
);
